"""Hostile message bodies over HTTP and websockets: stored as sent, shown as inert text,
refused visibly when invalid.

Everything runs through the project's real middleware, views, templates and ASGI stack;
the websocket test uses channels-redis against a real redis-server.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chatsite import ratelimit
from chatsite.asgi import application
from rooms.actions import open_room
from rooms.forms import MessageForm
from rooms.models import Message, Room
from tests.conftest import ORIGIN
from tests.markup import HOSTILE_BODIES, REFUSED_BODIES, Markup, visible_text
from tests.security import (
    edit_field,
    expected_text,
    fresh_rate_limits,  # noqa: F401 (autouse: every test here)
    next_frame_with,
    post,
    shown_inertly,
    without_message_ids,
)


@pytest.fixture
def no_post_limit(settings) -> None:
    """For tests about something else that post more than the default limit allows."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "10000/second"}


# Hostile bodies ----------------------------------------------------------------------------


@pytest.fixture
def twin_rooms(alice) -> tuple[Room, Room]:
    """Two rooms alike but for their messages: one gets a benign body, one a hostile one."""
    return open_room("benign", by=alice), open_room("hostile", by=alice)


# Bodies in the corpus that Markdown gives a meaning: entities are decoded, and line
# breaks make paragraphs and a code block. Everything else shows exactly as typed.
MARKDOWN_MEANINGFUL = {"entities", "newlines-and-tabs"}


@pytest.mark.parametrize("name", HOSTILE_BODIES)
def test_a_hostile_body_is_stored_as_sent_and_shown_as_inert_text(alice_client, twin_rooms, name):
    body = HOSTILE_BODIES[name]
    benign_room, hostile_room = twin_rooms
    views = {}
    for room, text in [(benign_room, "hello"), (hostile_room, body)]:
        posted = post(alice_client, room, text)
        views[room] = {
            "post answer": posted.content.decode(),
            "room page": alice_client.get(f"/chat/{room.name}/").content.decode(),
            "catch-up": alice_client.get(f"/chat/{room.name}/messages/?after=0").content.decode(),
        }
    message = hostile_room.messages.get()
    assert message.body == expected_text(body)
    assert edit_field(alice_client, message) == message.body
    for view, html in views[hostile_room].items():
        benign = Markup(views[benign_room][view])
        hostile = Markup(html)
        # The page around the body is element for element the benign one's: no element,
        # attribute or id came from the text.
        assert hostile.shape() == benign.shape(), view
        assert without_message_ids(hostile.ids) == without_message_ids(benign.ids), view
        events = shown_inertly(html, message)
        if name not in MARKDOWN_MEANINGFUL:
            assert visible_text(events) == message.body, view


@pytest.mark.parametrize("name", REFUSED_BODIES)
@pytest.mark.parametrize("htmx", [True, False])
def test_an_invalid_body_gets_a_visible_error_and_is_neither_stored_nor_run(
    alice_client, room, name, htmx
):
    response = post(alice_client, room, REFUSED_BODIES[name], htmx=htmx)
    assert response.status_code == 200
    page = Markup(response.content.decode())
    assert "composer-error" in page.ids
    assert page.event_handlers() == []
    assert not Message.objects.exists()


EXAMPLES = hypothesis_settings(
    # One client and database serve every example; each example adds its own message and
    # renders the whole room again, so 50 (of each property, on each database) keep this
    # file to seconds.
    max_examples=50,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


@EXAMPLES
@given(body=st.text(st.characters(exclude_categories=["Cs"]), max_size=2050))
def test_any_valid_body_is_stored_and_given_back_exactly(alice_client, room, body):
    ratelimit.reset()
    before = Message.objects.count()
    response = post(alice_client, room, body)
    assert response.status_code == 200
    form = MessageForm({"body": body})
    if not form.is_valid():
        assert Message.objects.count() == before
        assert "composer-error" in Markup(response.content.decode()).ids
        return
    message = Message.objects.latest("pk")
    assert message.body == form.cleaned_data["body"]
    assert edit_field(alice_client, message) == message.body
    shown_inertly(response.content.decode(), message)
    shown_inertly(alice_client.get("/chat/general/").content.decode(), message)
    catch_up = alice_client.get(f"/chat/general/messages/?after={message.pk - 1}")
    shown_inertly(catch_up.content.decode(), message)


# Text with nothing Markdown, auto-linking or mentions could read: letters, digits, marks,
# symbols and punctuation of every script but ASCII's markup characters, one space
# between words, one newline between lines (Markdown trims and merges other whitespace).
MARKUP_CHARACTERS = set("\\`*_[]()<>!#+-=|~&:@.{}\"'/%;?$^,")
PLAIN_WORDS = st.text(
    st.characters(
        exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"], exclude_characters=MARKUP_CHARACTERS
    ),
    min_size=1,
    max_size=12,
)
PLAIN_LINES = st.lists(PLAIN_WORDS, min_size=1, max_size=8).map(" ".join)


@EXAMPLES
@given(lines=st.lists(PLAIN_LINES, min_size=1, max_size=6))
def test_plain_text_is_displayed_exactly_as_typed(alice_client, room, lines):
    ratelimit.reset()
    body = "\n".join(lines)
    assert post(alice_client, room, body).status_code == 200
    message = Message.objects.latest("pk")
    assert message.body == body
    events = shown_inertly(alice_client.get("/chat/general/").content.decode(), message)
    assert visible_text(events) == body


@pytest.mark.django_db(transaction=True)
async def test_hostile_bodies_reach_sockets_as_inert_text(
    redis_layer, alice, bob, room, no_post_limit
):
    alice_client, bob_client = Client(), Client()
    await sync_to_async(alice_client.force_login)(alice)
    await sync_to_async(bob_client.force_login)(bob)
    socket = WebsocketCommunicator(
        application,
        "/ws/chat/general/",
        headers=[
            ORIGIN,
            (b"cookie", f"sessionid={bob_client.cookies['sessionid'].value}".encode()),
        ],
    )
    assert (await socket.connect())[0]
    shapes = {}
    for name, body in {"benign": "hello", **HOSTILE_BODIES}.items():
        response = await sync_to_async(post)(alice_client, room, body)
        assert response.status_code == 200
        message = await sync_to_async(Message.objects.latest)("pk")
        assert message.body == expected_text(body)
        frame = await next_frame_with(socket, f'id="message-{message.pk}"')
        events = shown_inertly(frame, message)
        if name not in MARKDOWN_MEANINGFUL:
            assert visible_text(events) == message.body, name
        shapes[name] = Markup(frame).shape()
    # Every fragment is element for element the benign one's, around the body.
    assert all(shape == shapes["benign"] for shape in shapes.values())
    await socket.disconnect()
