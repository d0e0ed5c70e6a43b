"""toggle_reaction: add, remove, and what it refuses; each change the message's next revision."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from reactions.actions import DISTINCT_PER_MESSAGE, toggle_reaction
from reactions.models import Reaction
from rooms.actions import delete_message, post_message
from rooms.actions.topics import set_topic
from rooms.models import Message


def emoji_of(message: Message) -> list[tuple[str, str]]:
    return [(r.user.get_username(), r.emoji) for r in Reaction.objects.on(message)]


def test_toggling_adds_then_removes_each_taking_the_next_revision(room, alice, bob):
    message = post_message(room, alice, "hello")
    first = toggle_reaction(message, bob, "👍")
    assert first.added
    assert emoji_of(message) == [("bob", "👍")]
    assert first.message.revision == message.revision + 1
    assert Message.objects.get(pk=message.pk).revision == first.message.revision
    # What the pages are sent: the message with its reactions, as it now stands.
    assert [r.emoji for r in first.message.reactions.all()] == ["👍"]

    second = toggle_reaction(message, alice, "👍")
    third = toggle_reaction(message, bob, "👍")
    assert (second.added, third.added) == (True, False)
    assert emoji_of(message) == [("alice", "👍")]
    assert third.message.revision == second.message.revision + 1
    assert third.message.body == "hello"


def test_a_deleted_message_takes_no_reactions(room, alice, bob):
    message = post_message(room, alice, "soon gone")
    toggle_reaction(message, bob, "👍")
    delete_message(message)
    revision = Message.objects.get(pk=message.pk).revision
    for emoji in ("🎉", "👍"):  # neither a new one, nor taking one away
        with pytest.raises(ValidationError) as refused:
            toggle_reaction(message, bob, emoji)
        assert refused.value.code == "deleted"
    assert Message.objects.get(pk=message.pk).revision == revision


def test_a_line_about_the_room_takes_no_reactions(room, alice, bob):
    set_topic(room, "Release week", by=alice)
    line = room.messages.get(kind=Message.Kind.TOPIC)
    with pytest.raises(ValidationError) as refused:
        toggle_reaction(line, bob, "👍")
    assert refused.value.code == "event"
    assert not Reaction.objects.filter(message=line).exists()


def test_a_message_takes_a_limited_number_of_different_reactions(room, alice, bob):
    message = post_message(room, alice, "react away")
    many = "😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗😚😙🥲😋"
    for emoji in many[:DISTINCT_PER_MESSAGE]:
        toggle_reaction(message, alice, emoji)
    with pytest.raises(ValidationError) as refused:
        toggle_reaction(message, bob, many[DISTINCT_PER_MESSAGE])
    assert refused.value.code == "too_many_kinds"
    assert f"already has {DISTINCT_PER_MESSAGE} different reactions" in refused.value.messages[0]
    # One of those already there is still welcome, and a freed place can be taken.
    assert toggle_reaction(message, bob, many[0]).added
    toggle_reaction(message, alice, many[1])
    assert toggle_reaction(message, bob, many[DISTINCT_PER_MESSAGE]).added
    assert len(Reaction.objects.on(message).distinct_emoji()) == DISTINCT_PER_MESSAGE


def test_a_rolled_back_toggle_leaves_nothing(room, alice, bob):
    message = post_message(room, alice, "hello")

    def react_then_fail() -> None:
        with transaction.atomic():
            toggle_reaction(message, bob, "👍")
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        react_then_fail()
    assert emoji_of(message) == []
    assert Message.objects.get(pk=message.pk).revision == message.revision
