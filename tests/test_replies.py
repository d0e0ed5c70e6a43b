"""Replies: a message that quotes another of its room (a snapshot of what it said)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rooms import fragments
from rooms.actions import add_member, delete_message, edit_message, open_room, post_message
from rooms.models import Message
from tests.conversation import HTMX, client_for, find, fresh_rate_limits, one

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    yield from fresh_rate_limits()


GONE = "The message you are replying to is not in this room any more."


@pytest.fixture
def original(room, bob) -> Message:
    return post_message(room, bob, "**Lunch** at noon? " + "and more words " * 20)


def post(client, body: str, reply_to: object, headers: dict | None = None):
    data = {"body": body, "reply_to": reply_to}
    return client.post("/chat/general/messages/", data, headers=headers)


def test_a_reply_quotes_its_original_author_excerpt_and_link(alice_client, room, original):
    assert post(alice_client, "yes!", original.pk).status_code == 302
    reply = Message.objects.latest("pk")
    assert reply.reply_to == original
    # The excerpt is the text without its Markdown, cut to 140 characters.
    assert reply.reply_excerpt.startswith("Lunch at noon? and more")
    assert len(reply.reply_excerpt) <= 140
    assert reply.reply_excerpt.endswith("and…")
    html = fragments.message(reply)
    quote = one(html, "reply-quote", "a")
    assert quote["href"] == f"/chat/general/?around={original.pk}#message-{original.pk}"
    assert quote["data-reply-to"] == str(original.pk)
    assert "Replying to bob" in html
    assert reply.reply_excerpt in html


def test_the_quote_keeps_what_the_original_said_when_replied_to(room, alice, original):
    reply = post_message(room, alice, "yes", reply_to=original)
    edit_message(original, "Dinner instead")
    reply = Message.objects.for_display().get(pk=reply.pk)
    assert "Lunch at noon" in fragments.message(reply)
    delete_message(original)
    reply = Message.objects.for_display().get(pk=reply.pk)
    assert "Original message deleted" in fragments.message(reply)


def test_reply_opens_the_composer_quoting_the_message(alice_client, original):
    # Without JavaScript: the room page, its composer holding the quote and hidden field.
    page = alice_client.get(f"/chat/general/messages/{original.pk}/reply/")
    html = page.content.decode()
    assert page.status_code == 200
    hidden = [a for a in find(html, "composer-reply") if a.get("id") == "composer-reply"]
    assert hidden, "the composer has the reply slot"
    assert f'name="reply_to" value="{original.pk}"' in html
    assert one(html, "cancel-reply", "a")["href"] == "/chat/general/"
    # With htmx: the quote alone, swapped into the composer.
    fragment = alice_client.get(f"/chat/general/messages/{original.pk}/reply/", headers=HTMX)
    assert fragment.content.decode().startswith('<div id="composer-reply"')
    assert f'value="{original.pk}"' in fragment.content.decode()


def test_every_message_offers_reply(room, original):
    link = one(fragments.message(original), "reply-action", "a")
    assert link["href"] == f"/chat/general/messages/{original.pk}/reply/#composer"
    assert link["hx-get"] == f"/chat/general/messages/{original.pk}/reply/"


@pytest.mark.parametrize("reply_to", ["abc", "-4", "0", "1.5", "9" * 30, "\x00", " ", ""])
def test_a_garbage_reply_to_is_refused_and_loses_nothing(alice_client, room, reply_to):
    response = post(alice_client, "kept text", reply_to)
    html = response.content.decode()
    if reply_to:
        assert GONE in html
        assert "kept text" in html  # the composer keeps what was typed
        assert not Message.objects.exists()
    else:
        assert response.status_code == 302  # blank: no reply, a plain message
        assert Message.objects.get().reply_to is None


def test_replying_to_another_rooms_message_is_refused(alice_client, room, alice, bob):
    elsewhere = post_message(open_room("random", by=bob), bob, "over there")
    response = post(alice_client, "hi", elsewhere.pk, headers=HTMX)
    assert GONE in response.content.decode()
    assert not room.messages.exists()
    assert alice_client.get(f"/chat/general/messages/{elsewhere.pk}/reply/").status_code == 404


def test_replying_to_a_deleted_message_is_refused(alice_client, room, original):
    delete_message(original)
    assert GONE in post(alice_client, "hi", original.pk).content.decode()
    assert room.messages.count() == 1
    assert alice_client.get(f"/chat/general/messages/{original.pk}/reply/").status_code == 404


def test_a_private_rooms_message_cannot_be_quoted_by_an_outsider(alice, bob, django_user_model):
    carol = django_user_model.objects.create_user("carol", password="x")
    secret = open_room("secret", by=alice, private=True)
    add_member(secret, bob)
    hidden = post_message(secret, alice, "between us")
    open_room("general", by=carol)
    carol_client = client_for(carol)
    # Neither from the private room (404) nor from a room carol may post in (refused).
    assert carol_client.get(f"/chat/secret/messages/{hidden.pk}/reply/").status_code == 404
    assert post(carol_client, "peek", hidden.pk).status_code == 200
    assert not Message.objects.filter(author=carol).exists()
    assert carol_client.post("/chat/secret/messages/", {"body": "x"}).status_code == 404


def test_a_reply_to_a_system_line_is_refused(alice_client, alice, room):
    from rooms.actions.topics import set_topic

    set_topic(room, "news", by=alice)
    line = room.messages.get()
    assert GONE in post(alice_client, "hi", line.pk).content.decode()
    assert alice_client.get(f"/chat/general/messages/{line.pk}/reply/").status_code == 404
