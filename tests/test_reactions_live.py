"""Reactions live: every open page gets the message's new revision, rendered once per
language whatever the number of listeners, the same bytes for every viewer, and a room
page whose cost in queries does not grow with its reactions."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Profile
from reactions.actions import toggle_reaction
from rooms import fragments, protocol
from rooms.actions import post_message
from tests import test_broadcast
from tests.conftest import next_message
from tests.test_broadcast import listen

pytestmark = pytest.mark.django_db(transaction=True)
# Partials rendered during a test, counted (the same fixture as the broadcast tests').
message_renders = test_broadcast.message_renders
toggle = database_sync_to_async(toggle_reaction)


def article(page: str, pk: int) -> str:
    """The message's fragment as a page holds it."""
    match = re.search(rf'<article class="message" id="message-{pk}".*?</article>', page, re.S)
    assert match, f"no message {pk}"
    return match.group(0)


async def test_every_open_page_gets_the_new_revision(redis_layer, socket_for, room, alice, bob):
    message = await database_sync_to_async(post_message)(room, alice, "hello")
    sockets = [socket_for(user, "general") for user in (alice, bob)]
    for socket in sockets:
        assert (await socket.connect())[0]
    added = await toggle(message, bob, "👍")
    frames = [await next_message(socket) for socket in sockets]
    assert frames == [fragments.message(added.message)] * 2
    assert f'data-revision="{message.revision + 1}"' in frames[0]
    assert f'data-reactors="{bob.pk}"' in frames[0]
    assert 'aria-label="👍 1: bob"' in frames[0]

    removed = await toggle(message, bob, "👍")
    frames = [await next_message(socket) for socket in sockets]
    assert frames == [fragments.message(removed.message)] * 2
    assert "data-reactors" not in frames[0]
    for socket in sockets:
        await socket.disconnect()


@pytest.mark.parametrize("listeners", [1, 25])
async def test_a_reaction_is_rendered_once_per_language_whatever_the_number_of_listeners(
    redis_layer, room, alice, bob, message_renders, listeners
):
    message = await database_sync_to_async(post_message)(room, alice, "hello")
    layer = get_channel_layer()
    english = await listen(protocol.room_group(room.pk, "en"), listeners)
    spanish = await listen(protocol.room_group(room.pk, "es"), listeners)
    message_renders.clear()
    added = await toggle(message, bob, "🎉")
    assert message_renders.count("message") == 2  # English and Spanish, however many listen
    for channels, language in [(english, "en"), (spanish, "es")]:
        with translation.override(language):
            html = fragments.message(added.message)
        group = protocol.room_group(room.pk, language)
        received = [await layer.receive(channel) for channel in channels]
        assert received == [{"type": "room.html", "html": html, "group": group}] * listeners
    # The reacting person's own answer reuses the render.
    assert message_renders.count("message") == 2


def test_the_fragment_is_the_same_for_every_viewer(room, alice, bob):
    message = post_message(room, alice, "hello")
    toggle_reaction(message, alice, "👍")
    toggle_reaction(message, bob, "👍")
    toggle_reaction(message, bob, "😮")
    pages = []
    for user in (alice, bob):
        client = Client()
        client.force_login(user)
        pages.append(client.get("/chat/general/").content.decode())
    alices, bobs = (article(page, message.pk) for page in pages)
    assert alices == bobs
    assert f'data-reactors="{alice.pk} {bob.pk}"' in alices
    # Each page marks its own from data-reactors, with its own rule.
    assert f'.reaction[data-reactors~="{alice.pk}"] {{ --reacted: 1; }}' in pages[0]
    assert f'.reaction[data-reactors~="{bob.pk}"] {{ --reacted: 1; }}' in pages[1]


def room_page_queries(user) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/chat/general/").status_code == 200
    return len(queries)


def test_a_room_page_costs_the_same_queries_however_many_reactions(room, alice, bob):
    message = post_message(room, alice, "one")
    toggle_reaction(message, bob, "👍")
    few = room_page_queries(alice)

    people = [
        get_user_model().objects.create_user(f"fan{n}", password="correct horse battery")
        for n in range(4)
    ]
    Profile.objects.create(user=people[0], display_name="Fan Zero")
    for n in range(6):
        message = post_message(room, people[n % 4], f"more {n}")
        for person, emoji in zip(people, "👍🎉😮❤", strict=True):
            toggle_reaction(message, person, emoji)
            toggle_reaction(message, bob, emoji)
    assert room_page_queries(alice) == few
