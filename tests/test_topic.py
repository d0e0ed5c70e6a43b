"""A room's one-line topic, set by its members, live, with a line in the history; and the
lines that adding, removing and leaving leave."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chatsite import ratelimit
from rooms import fragments, search
from rooms.actions import add_member, open_room, post_message, remove_member
from rooms.actions.topics import set_topic
from rooms.models import Message, Room
from tests.conversation import HTMX, client_for, find, fresh_rate_limits, one

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    yield from fresh_rate_limits()


def set_via(client, topic: str, headers: dict | None = None, room: str = "general"):
    return client.post(f"/chat/{room}/topic/", {"topic": topic}, headers=headers)


def test_setting_the_topic_shows_it_in_the_header_with_a_line(alice_client, room):
    assert set_via(alice_client, "  Release day  ").status_code == 302
    room.refresh_from_db()
    assert room.topic == "Release day"
    line = room.messages.get()
    assert (line.kind, line.body) == (Message.Kind.TOPIC, "Release day")
    page = alice_client.get("/chat/general/").content.decode()
    assert one(page, "topic", "p")["data-version"] == str(room.revision)
    assert "Release day</p>" in page
    assert "alice set the topic: Release day" in page


def test_a_newline_in_the_topic_becomes_a_space(alice_client, room):
    set_via(alice_client, "one\r\ntwo\nthree")
    room.refresh_from_db()
    assert room.topic == "one two three"


def test_a_10_kb_topic_is_refused_clearly_and_nothing_changes(alice_client, room):
    response = set_via(alice_client, "x" * 10_000)
    html = response.content.decode()
    assert response.status_code == 200
    assert "A topic is at most 250 characters (this one has 10000)." in html
    assert 'value="' + "x" * 10_000 in html  # what was typed comes back
    room.refresh_from_db()
    assert room.topic == ""
    assert not room.messages.exists()
    htmx = set_via(alice_client, "x" * 251, HTMX).content.decode()
    assert htmx.startswith('<details class="topic-edit" id="topic-edit" open>')


def test_an_empty_topic_clears_it_and_the_same_topic_changes_nothing(alice_client, room):
    set_via(alice_client, "first")
    set_via(alice_client, "first")
    set_via(alice_client, "   ")
    room.refresh_from_db()
    assert room.topic == ""
    lines = [line.body for line in room.messages.order_by("pk")]
    assert lines == ["first", ""]
    assert "alice cleared the topic" in alice_client.get("/chat/general/").content.decode()


def test_a_nul_in_the_topic_is_refused(alice_client, room):
    assert "Null characters are not allowed." in set_via(alice_client, "a\x00b").content.decode()
    room.refresh_from_db()
    assert room.topic == ""


def test_the_htmx_answer_is_the_form_and_the_header(alice_client, room):
    html = set_via(alice_client, "live", HTMX).content.decode()
    room.refresh_from_db()
    assert html.startswith('<details class="topic-edit" id="topic-edit">')
    assert fragments.room_header(room) in html


def test_the_header_carries_the_topic_as_data_for_the_topic_field_escaped(alice, room):
    # Pages put it in their open topic form's field (static/htmx/chat/topic.js).
    hostile = '"><script>alert(1)</script> & <b onmouseover=x>'
    set_topic(room, hostile, by=alice)
    header = fragments.room_header(room)
    assert one(header, "topic", "p")["data-topic"] == hostile
    assert "<script>" not in header
    assert "<b " not in header
    set_topic(room, "", by=alice)
    assert one(fragments.room_header(room), "topic", "p")["data-topic"] == ""


def test_only_who_may_see_the_room_sets_its_topic(alice, bob):
    secret = open_room("secret", by=alice, private=True)
    assert set_via(client_for(bob), "hacked", room="secret").status_code == 404
    assert set_via(client_for(alice), "ours", room="secret").status_code == 302
    assert Room.objects.get(pk=secret.pk).topic == "ours"
    assert client_for(bob).get("/chat/secret/topic/").status_code == 405


def test_adding_removing_and_leaving_leave_lines(alice, bob, django_user_model):
    carol = django_user_model.objects.create_user("carol", password="x")
    secret = open_room("secret", by=alice, private=True)
    alice_client = client_for(alice)
    alice_client.post("/chat/secret/members/", {"username": "bob"})
    alice_client.post("/chat/secret/members/", {"username": "carol"})
    alice_client.post(f"/chat/secret/members/{carol.pk}/remove/")
    client_for(bob).post(f"/chat/secret/members/{bob.pk}/remove/")
    page = alice_client.get("/chat/secret/").content.decode()
    for sentence in ["alice added bob", "alice added carol", "alice removed carol", "bob left"]:
        assert sentence in page
    assert [line.kind for line in secret.messages.order_by("pk")] == [
        "added",
        "added",
        "removed",
        "left",
    ]
    # A system line has no actions: not edited, replied to, reacted to or pinned.
    line = secret.messages.first()
    assert find(fragments.message(line), "message-actions") == []
    assert not line.is_editable_by(alice)
    assert not line.is_deletable_by(alice)
    assert client_for(alice).post(f"/chat/secret/messages/{line.pk}/delete/").status_code == 403
    assert one(fragments.message(line), "event", "article")["data-kind"] == "added"


def test_system_lines_are_not_unread_not_mentions_and_not_found(alice, bob, room):
    add_member(room, bob)  # bob reads general
    set_topic(room, "@bob findme", by=alice)
    counted = Room.objects.with_unread_for(bob).get(pk=room.pk)
    assert (counted.unread, counted.unread_mentions) == (None, None)
    assert search.search(bob, "findme") == []
    post_message(room, alice, "findme too")
    counted = Room.objects.with_unread_for(bob).get(pk=room.pk)
    assert counted.unread == 1
    assert [message.body for message in search.search(bob, "findme")] == ["findme too"]


def test_actions_without_an_actor_leave_no_line(alice, bob):
    secret = open_room("secret", by=alice, private=True)
    add_member(secret, bob)
    remove_member(secret, bob)
    assert not secret.messages.exists()


def test_topic_changes_are_held_to_the_posting_rate_limit(settings, alice_client, room):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "2/minute"}
    ratelimit.reset()
    set_via(alice_client, "one")
    set_via(alice_client, "two")
    response = set_via(alice_client, "three")
    assert "You are sending messages too fast." in response.content.decode()
    room.refresh_from_db()
    assert room.topic == "two"
