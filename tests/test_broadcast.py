from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from template_partials.templatetags.partials import TemplateProxy

from rooms import fragments, protocol
from rooms.actions import open_room, post_message
from rooms.models import Message
from support.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def message_renders(monkeypatch) -> list[str]:
    """Names of partials rendered during the test (real rendering, just counted)."""
    rendered: list[str] = []
    real_render = TemplateProxy._render

    def counting_render(self, context):
        rendered.append(self.name)
        return real_render(self, context)

    monkeypatch.setattr(TemplateProxy, "_render", counting_render)
    return rendered


async def listen(group: str, count: int) -> list[str]:
    layer = get_channel_layer()
    channels = [await layer.new_channel() for _ in range(count)]
    for channel in channels:
        await layer.group_add(group, channel)
    return channels


@pytest.mark.parametrize("listeners", [1, 25])
async def test_a_message_is_rendered_once_per_language_whatever_the_number_of_listeners(
    redis_layer, room, alice, message_renders, listeners
):
    layer = get_channel_layer()
    english = await listen(protocol.room_group(room.pk, "en"), listeners)
    spanish = await listen(protocol.room_group(room.pk, "es"), listeners)
    message = await database_sync_to_async(post_message)(room, alice, "hello")
    assert message_renders.count("message") == 2  # English and Spanish, however many listen
    for channels, language, words in [(english, "en", "Delete"), (spanish, "es", "Borrar")]:
        with translation.override(language):
            html = fragments.message(message)
        assert f">{words}</a>" in html
        group = protocol.room_group(room.pk, language)
        received = [await layer.receive(channel) for channel in channels]
        assert received == [{"type": "room.html", "html": html, "group": group}] * listeners
    # The memo answers later asks (the sender's POST answer) without rendering again.
    assert message_renders.count("message") == 2


@pytest.mark.parametrize("languages", [[], ["en"], ["es"]], ids=["none", "en", "es"])
async def test_a_language_no_page_is_open_in_is_not_rendered(
    redis_layer, room, alice, message_renders, languages
):
    layer = get_channel_layer()
    pages = {
        language: await listen(protocol.room_group(room.pk, language), 3) for language in languages
    }
    lobbies = {language: await listen(protocol.public_lobby(language), 1) for language in languages}
    message = await database_sync_to_async(post_message)(room, alice, "hello")
    assert message_renders.count("message") == len(languages)
    assert message_renders.count("live_row") == len(languages)
    for language in languages:
        with translation.override(language):
            html = fragments.message(message)
        assert [(await layer.receive(channel))["html"] for channel in pages[language]] == [html] * 3
        [lobby] = lobbies[language]
        assert f'id="lobby-room-{room.pk}"' in (await layer.receive(lobby))["html"]


async def test_a_rolled_back_post_broadcasts_nothing(redis_layer, room, alice, bob):
    layer = get_channel_layer()
    [channel] = await listen(protocol.room_group(room.pk, "en"), 1)

    @database_sync_to_async
    def post_then_roll_back():
        try:
            with transaction.atomic():
                post_message(room, alice, "never happened")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        return post_message(room, bob, "this one stands")

    kept = await post_then_roll_back()
    # One channel delivers in order: a broadcast of the rolled-back post would come first.
    assert await layer.receive(channel) == {
        "type": "room.html",
        "html": fragments.message(kept),
        "group": protocol.room_group(room.pk, "en"),
    }
    assert await database_sync_to_async(list)(Message.objects.values_list("body", flat=True)) == [
        "this one stands"
    ]


def test_an_unreachable_channel_layer_is_logged_and_the_post_still_stands(
    settings, room, alice, alice_client, caplog
):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    with caplog.at_level(logging.ERROR, logger="rooms.broadcast"):
        response = alice_client.post(
            "/chat/general/messages/", {"body": "stored anyway"}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert Message.objects.get().body == "stored anyway"
    sent_to = [record.getMessage().split(" failed: ")[0] for record in caplog.records]
    assert sent_to == [
        f"Broadcast to {protocol.room_group(room.pk, 'en')}",
        "Broadcast to lobby-public-en",
        f"Broadcast to {protocol.room_group(room.pk, 'es')}",
        "Broadcast to lobby-public-es",
    ]
    assert all("ConnectionError" in record.getMessage() for record in caplog.records)
    assert all(record.exc_info is None for record in caplog.records)


def test_room_post_survives_a_layer_failure_inside_an_outer_transaction(settings, room, alice):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    with transaction.atomic():
        post_message(open_room("another", by=alice), alice, "nested")
    assert Message.objects.get().body == "nested"


def test_a_new_message_is_shown_without_asking_for_reactions_link_card_or_files(room, alice):
    # A message just posted has none of them yet: each would be a query per post.
    tables = [
        Message._meta.get_field(name).related_model._meta.db_table
        for name in ("reactions", "link_card", "attachments")
    ]
    async_to_sync(listen)(protocol.room_group(room.pk, "en"), 1)  # an open page
    with CaptureQueriesContext(connection) as queries, translation.override("en"):
        message = post_message(room, alice, "hello, **all**")
    asked = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
    assert asked
    assert not [sql for sql in asked if any(f'"{table}"' in sql for table in tables)]
    # The same fragment as a message loaded afresh: nothing was left out.
    fresh = Message.objects.for_display().get(pk=message.pk)
    with translation.override("en"):
        assert fragments.message(message) == fragments.message(fresh)
    # Known only while it was rendered: what comes after shows.
    message.reactions.create(user=alice, emoji="👍")
    assert [reaction.emoji for reaction in message.reactions.all()] == ["👍"]
