"""A message loads for display only what is not in memory yet (rooms/models/loaded.py): a
message just posted renders without a query, one read from the database loads it all."""

from __future__ import annotations

import pytest

from accounts.backends import ProfileBackend
from accounts.models import Profile
from rooms import fragments
from rooms.actions import post_message
from rooms.models import Message
from rooms.models.loaded import missing
from rooms.models.message import JOINED_FOR_DISPLAY, PREFETCHED_FOR_DISPLAY

pytestmark = pytest.mark.django_db(transaction=True)
LOOKUPS = (*JOINED_FOR_DISPLAY, *PREFETCHED_FOR_DISPLAY)


@pytest.fixture
def signed_in(alice):
    """Alice as a request has her: with her profile (accounts.backends)."""
    Profile.objects.create(user=alice, display_name="Alice A.")
    return ProfileBackend().get_user(alice.pk)


def test_a_message_read_plainly_misses_everything_but_a_quote_of_nothing(room, signed_in, bob):
    posted = post_message(room, signed_in, "hello")
    everything_else = [lookup for lookup in LOOKUPS if not lookup.startswith("reply_to")]
    assert missing(Message.objects.get(pk=posted.pk), LOOKUPS) == everything_else
    reply = post_message(room, bob, "reply", reply_to=posted)
    assert missing(Message.objects.get(pk=reply.pk), LOOKUPS) == list(LOOKUPS)


def test_a_message_read_for_display_misses_nothing(room, signed_in, bob):
    first = post_message(room, bob, "first")
    post_message(room, signed_in, "reply", reply_to=first)
    for message in Message.objects.for_display():
        assert missing(message, LOOKUPS) == []


def test_a_message_just_posted_renders_without_a_query(room, signed_in, django_assert_num_queries):
    message = post_message(room, signed_in, "hello")
    with message.just_posted(files=False), django_assert_num_queries(0):
        assert missing(message, LOOKUPS) == []
        html = fragments.message(message)
    assert "Alice A." in html


def test_what_is_not_in_memory_is_loaded_and_only_that(
    room, signed_in, bob, django_assert_num_queries
):
    first = post_message(room, bob, "first")
    reply = post_message(room, signed_in, "reply", reply_to=Message.objects.get(pk=first.pk))
    with reply.just_posted(files=False):
        # The quoted message's author came without a profile: that alone is read.
        assert missing(reply, LOOKUPS) == ["reply_to__author__profile"]
        with django_assert_num_queries(2):  # the quoted author, then their (absent) profile
            reply.load_for_display()
        assert missing(reply, LOOKUPS) == []
