"""Topics, system lines, pins and replies live: every open page gets them, each change
rendered once per language whatever the number of listeners."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.test.signals import template_rendered
from django.utils import translation

from rooms import fragments, protocol
from rooms.actions import add_member, open_room, post_message, remove_member
from rooms.actions.pins import pin
from rooms.actions.topics import set_topic
from rooms.models import Message, Room
from tests import test_broadcast
from tests.conftest import next_message, post
from tests.test_broadcast import listen

pytestmark = pytest.mark.django_db(transaction=True)
message_renders = test_broadcast.message_renders
HEADER = "rooms/room_header.html"


@pytest.fixture
def templates() -> Iterator[list[str]]:
    """Names of the templates rendered during the test (Django's test signal)."""
    names: list[str] = []

    def record(sender, template, context, **kwargs) -> None:
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


async def received(channels: list[str]) -> list[str]:
    layer = get_channel_layer()
    return [(await layer.receive(channel))["html"] for channel in channels]


async def listeners_in_every_language(room: Room, count: int) -> dict[str, list[str]]:
    return {
        language: await listen(protocol.room_group(room.pk, language), count)
        for language in ("en", "es")
    }


@pytest.mark.parametrize("count", [1, 12])
async def test_a_pin_is_rendered_once_per_language_whatever_the_listeners(
    redis_layer, room, alice, message_renders, templates, count
):
    message = await post(room, alice, "pin me")
    channels = await listeners_in_every_language(room, count)
    message_renders.clear()
    await database_sync_to_async(pin)(message, by=alice)
    assert message_renders.count("message") == 2
    assert templates.count(HEADER) == 2
    for language, listening in channels.items():
        with translation.override(language):
            expected = [fragments.message(message), fragments.room_header(message.room)]
        # Each listener: the message's new revision ("Pinned"), then the panel.
        for channel in listening:
            assert await received([channel, channel]) == expected
        assert ("Fijado" if language == "es" else "Pinned") in expected[0]
    assert templates.count(HEADER) == 2  # the memo answered the asks above


@pytest.mark.parametrize("count", [1, 12])
async def test_a_topic_is_rendered_once_per_language_whatever_the_listeners(
    redis_layer, room, alice, message_renders, templates, count
):
    channels = await listeners_in_every_language(room, count)
    await database_sync_to_async(set_topic)(room, "Launch <b>day</b>", by=alice)
    assert message_renders.count("message") == 2  # the history line
    assert templates.count(HEADER) == 2
    line = await database_sync_to_async(Message.objects.for_display().get)(room=room)
    for language, listening in channels.items():
        with translation.override(language):
            expected = [fragments.message(line), fragments.room_header(room)]
        for channel in listening:
            assert await received([channel, channel]) == expected
    # What anyone types is escaped, in the header and in the line.
    assert "Launch &lt;b&gt;day&lt;/b&gt;</p>" in expected[1]
    assert "alice set the topic: Launch &lt;b&gt;day&lt;/b&gt;" in fragments.message(line)


async def test_open_pages_hear_topic_pins_replies_and_member_lines(
    redis_layer, socket_for, alice, bob
):
    secret = await database_sync_to_async(open_room)("secret", by=alice, private=True)
    await database_sync_to_async(add_member)(secret, bob)
    pages = [socket_for(alice, "secret"), socket_for(bob, "secret")]
    for page in pages:
        assert (await page.connect())[0]
    await database_sync_to_async(set_topic)(secret, "Plans", by=alice)
    for page in pages:
        assert "alice set the topic: Plans" in await next_message(page)
        assert 'id="topic"' in await next_message(page)
    original = await post(secret, bob, "first")
    for page in pages:
        await next_message(page)
    reply = await database_sync_to_async(post_message)(secret, alice, "yes", reply_to=original)
    for page in pages:
        frame = await next_message(page)
        assert f'data-reply-to="{original.pk}"' in frame
        assert frame == fragments.message(reply)
    await database_sync_to_async(remove_member)(secret, bob, by=bob)
    assert "bob left" in await next_message(pages[0])
    for page in pages:
        await page.disconnect()
