"""The server-side rule of notification levels (notifications/levels.py): who hears of what."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model

from notifications.actions import set_level
from notifications.levels import Level, default_level, level_for, notified_people, qualifies
from notifications.models import RoomLevel
from rooms.actions import add_member, delete_message, open_direct, open_room, post_message
from rooms.actions.events import record_event
from rooms.models import Message, Room

KINDS = ["public", "private", "direct"]
STATES = ["message", "event", "deleted"]


def make_user(name: str, **extra):
    return get_user_model().objects.create_user(name, password="correct horse battery", **extra)


def room_of_kind(kind: str, alice, bob) -> Room:
    if kind == "direct":
        return open_direct(alice, bob)
    room = open_room(f"{kind}-room", by=alice, private=kind == "private")
    add_member(room, bob)
    return room


def message_in(room: Room, author, state: str, body: str) -> Message:
    if state == "event":
        return record_event(room, author, Message.Kind.TOPIC, body)
    message = post_message(room, author, body)
    if state == "deleted":
        delete_message(message)
        message.refresh_from_db()
    return message


@pytest.mark.parametrize(
    ("level", "kind", "mentioned", "own", "state"),
    list(itertools.product(list(Level), KINDS, [True, False], [True, False], STATES)),
)
def test_qualifies_for_every_combination(alice, bob, level, kind, mentioned, own, state) -> None:
    room = room_of_kind(kind, alice, bob)
    author = bob if own else alice
    message = message_in(room, author, state, "hello @bob" if mentioned else "hello all")
    if state == "message":
        assert (message.mention_names == "bob") is mentioned
    # The rule of issue 15, written out: never one's own, never events or deleted ones;
    # everything; mentions only (a direct conversation mentions you every time); nothing.
    concerns = mentioned or kind == "direct"
    expected = (
        not own
        and state == "message"
        and (level == Level.EVERYTHING or (level == Level.MENTIONS and concerns))
    )
    assert qualifies(bob, message, level) is expected


@pytest.mark.parametrize(
    ("kind", "default"),
    [("public", Level.MENTIONS), ("private", Level.EVERYTHING), ("direct", Level.EVERYTHING)],
)
def test_defaults_and_stored_choices(alice, bob, kind, default) -> None:
    room = room_of_kind(kind, alice, bob)
    assert default_level(room) == default
    assert level_for(bob, room) == default
    for level in Level:
        set_level(bob, room, level)
        assert level_for(bob, room) == level
        # A row only for a choice other than the default.
        assert RoomLevel.objects.filter(user=bob, room=room).exists() is (level != default)
    assert level_for(alice, room) == default


@pytest.fixture
def people(alice, bob):
    """alice writes; the others read with various levels, one of them inactive."""
    carol, dave, erin = make_user("carol"), make_user("dave"), make_user("erin")
    gone = make_user("gone", is_active=False)
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "erin": erin, "gone": gone}


def names(users) -> list[str]:
    return [user.username for user in users]


def test_notified_people_in_a_public_room(people, django_assert_num_queries) -> None:
    alice = people["alice"]
    room = open_room("lounge", by=alice)
    set_level(people["carol"], room, Level.EVERYTHING)
    set_level(people["dave"], room, Level.NOTHING)
    set_level(people["gone"], room, Level.EVERYTHING)
    message = post_message(room, alice, "hi @bob @dave @erin @gone @alice")
    message = Message.objects.select_related("room").get(pk=message.pk)
    with django_assert_num_queries(1):
        notified = notified_people(message)
    # bob and erin mentioned (default: mentions), carol chose everything; dave muted it,
    # gone is inactive, alice wrote it.
    assert names(notified) == ["bob", "carol", "erin"]


@pytest.mark.parametrize("kind", ["private", "direct"])
def test_notified_people_in_members_only_rooms(people, kind, django_assert_num_queries) -> None:
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    if kind == "direct":
        room = open_direct(alice, bob)
    else:
        room = open_room("staff", by=alice, private=True)
        for name in ("bob", "carol", "dave", "gone"):
            add_member(room, people[name])
        set_level(carol, room, Level.MENTIONS)
        set_level(people["dave"], room, Level.NOTHING)
    message = post_message(room, alice, "hi @erin")
    message = Message.objects.get(pk=message.pk)
    # Two queries: the room, then the people with their levels.
    with django_assert_num_queries(2):
        notified = notified_people(message)
    # erin is no member, so not mentionable; carol hears of mentions only.
    assert names(notified) == ["bob"]
    set_level(bob, room, Level.MENTIONS)
    mention = post_message(room, alice, "look @bob")
    assert names(notified_people(mention)) == ["bob"]
    if kind == "private":
        shout = post_message(room, alice, "@bob @carol @dave")
        assert names(notified_people(shout)) == ["bob", "carol"]
    set_level(bob, room, Level.NOTHING)
    assert notified_people(post_message(room, alice, "anyone @bob?")) == []


def test_notified_people_never_for_events_or_deleted(people) -> None:
    alice, bob = people["alice"], people["bob"]
    room = open_direct(alice, bob)
    assert notified_people(record_event(room, alice, Message.Kind.TOPIC, "news")) == []
    message = post_message(room, alice, "oops")
    delete_message(message)
    message.refresh_from_db()
    assert notified_people(message) == []
