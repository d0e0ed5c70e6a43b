"""Issue 14, arriving in a room: the "New" divider before the first message not read, the
first page starting there when the unread messages are more than a page, and the offer to
create a room that does not exist yet (a GET never creates; a private room's name tells a
non-member no more than the lobby's form does)."""

from __future__ import annotations

import itertools
import re

import pytest
from django.test import Client

from rooms import fragments
from rooms.actions import add_member, delete_message, mark_read, open_room, post_message
from rooms.models import Membership, Room

# The page's #messages, in order: ("divider", its text) or ("message", its id).
PAGE_ITEMS = re.compile(
    r'<div class="divider (\w+)-divider"[^>]*>([^<]*)</div>'
    r'|<article class="message[^"]*" id="message-(\d+)"'
)


def items(content: str) -> list[tuple[str, str]]:
    found = []
    for kind, text, message_id in PAGE_ITEMS.findall(content):
        found.append(("message", message_id) if message_id else (kind, text))
    return found


def unread_divider_before(content: str) -> str | None:
    """The id of the message the "New" divider stands before, if there is one."""
    listed = items(content)
    for (kind, _), following in itertools.pairwise(listed):
        if kind == "unread":
            return following[1]
    return None


def last_read(room: Room, user) -> int:
    return Membership.objects.get(room=room, user=user).last_read_id


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def joined(room, bob, bob_client) -> Room:
    """Bob has opened the room once (so he has a read marker) and read it all."""
    post_message(room, bob, "bob was here")
    bob_client.get("/chat/general/")
    return room


class TestTheNewDivider:
    def test_stands_before_the_first_message_of_others_not_read(self, joined, alice, bob_client):
        first = post_message(joined, alice, "one")
        post_message(joined, alice, "two")
        content = bob_client.get("/chat/general/").content.decode()
        assert unread_divider_before(content) == str(first.pk)
        assert f'data-unread-from="{first.pk}"' in content
        assert (
            '<div class="divider unread-divider" id="unread-divider" data-key="unread">New</div>'
            in content
        )

    def test_opening_the_room_reads_it_so_the_next_visit_has_none(
        self, joined, alice, bob, bob_client
    ):
        newest = post_message(joined, alice, "one")
        bob_client.get("/chat/general/")
        assert last_read(joined, bob) == newest.pk
        content = bob_client.get("/chat/general/").content.decode()
        assert unread_divider_before(content) is None
        assert 'data-unread-from=""' in content

    def test_ones_own_and_deleted_messages_are_not_unread(self, joined, alice, bob, bob_client):
        post_message(joined, bob, "mine, from another device")
        delete_message(post_message(joined, alice, "taken back"))
        kept = post_message(joined, alice, "kept")
        content = bob_client.get("/chat/general/").content.decode()
        assert unread_divider_before(content) == str(kept.pk)

    def test_a_reader_who_never_joined_sees_none(self, room, alice, bob_client):
        post_message(room, alice, "hello")
        content = bob_client.get("/chat/general/").content.decode()
        assert unread_divider_before(content) is None
        assert 'data-unread-from=""' in content

    def test_message_fragments_stay_the_same_for_every_reader(
        self, joined, alice, alice_client, bob_client
    ):
        messages = [post_message(joined, alice, f"m{n}") for n in range(3)]
        for client in (bob_client, alice_client):
            content = client.get("/chat/general/").content.decode()
            for message in messages:
                fragment = fragments.message(message)
                article = fragment[fragment.index("<article") : fragment.rindex("</article>")]
                assert article in content

    def test_history_pages_show_it_without_reading(self, joined, alice, bob, bob_client, settings):
        settings.MESSAGE_PAGE_SIZE = 3
        read_up_to = last_read(joined, bob)
        first, *_, newest = [post_message(joined, alice, f"m{n}") for n in range(6)]
        content = bob_client.get("/chat/general/", {"around": first.pk}).content.decode()
        assert unread_divider_before(content) == str(first.pk)
        content = bob_client.get("/chat/general/", {"before": newest.pk}).content.decode()
        assert unread_divider_before(content) is None
        assert last_read(joined, bob) == read_up_to


class TestMoreUnreadThanAPage:
    @pytest.fixture
    def flood(self, joined, alice, bob, settings):
        settings.MESSAGE_PAGE_SIZE = 10
        post_message(joined, alice, "read already")
        mark_read(joined, bob)
        return [post_message(joined, alice, f"flood {n}") for n in range(25)]

    def test_the_first_page_starts_at_the_divider_and_reads_only_that_far(
        self, flood, joined, bob, bob_client
    ):
        content = bob_client.get("/chat/general/").content.decode()
        listed = [value for kind, value in items(content) if kind == "message"]
        # A fifth of the page is read messages above the divider, for context.
        assert unread_divider_before(content) == str(flood[0].pk)
        assert listed[-8:] == [str(message.pk) for message in flood[:8]]
        assert len(listed) == 10
        assert 'hx-ext="ws"' in content  # live: its catch-up brings the rest
        assert 'id="newer"' in content
        assert last_read(joined, bob) == flood[7].pk

    def test_each_visit_goes_on_where_the_last_stopped(self, flood, bob_client):
        bob_client.get("/chat/general/")
        content = bob_client.get("/chat/general/").content.decode()
        assert unread_divider_before(content) == str(flood[8].pk)
        assert 'id="newer"' in content
        content = bob_client.get("/chat/general/").content.decode()
        # The rest fits the latest page: it ends at the newest message, with nothing below.
        assert unread_divider_before(content) == str(flood[16].pk)
        assert f'id="message-{flood[-1].pk}"' in content
        assert 'id="newer"' not in content

    def test_the_page_without_unread_is_the_latest(self, flood, joined, bob, bob_client):
        mark_read(joined, bob)
        content = bob_client.get("/chat/general/").content.decode()
        assert f'id="message-{flood[-1].pk}"' in content
        assert unread_divider_before(content) is None
        assert 'id="newer"' not in content


class TestAMissingRoom:
    def test_offers_to_create_it_and_creates_nothing(self, alice_client):
        response = alice_client.get("/chat/standup/")
        assert response.status_code == 404
        content = response.content.decode()
        assert '<form method="post" action="/chat/">' in content
        assert '<input type="hidden" name="name" value="standup">' in content
        assert "Create #standup</button>" in content
        assert 'name="csrfmiddlewaretoken"' in content
        assert not Room.objects.exists()

    def test_its_form_creates_the_room(self, alice_client, alice):
        response = alice_client.post("/chat/", {"name": "standup", "private": "on"})
        assert response.url == "/chat/standup/"
        room = Room.objects.get(name="standup")
        assert room.kind == Room.Kind.PRIVATE
        assert list(room.members.all()) == [alice]

    def test_another_method_creates_nothing(self, alice_client):
        assert alice_client.post("/chat/standup/").status_code == 405
        assert alice_client.put("/chat/standup/").status_code == 405
        assert not Room.objects.exists()

    def test_anonymous_visitors_log_in_first(self, db):
        response = Client().get("/chat/standup/")
        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=/chat/standup/"

    @pytest.mark.parametrize(
        "path",
        ["/chat/no.dots/", "/chat/%3Cscript%3Ealert(1)%3C%2Fscript%3E/", f"/chat/{'x' * 51}/",
         "/chat/caf%C3%A9/", "/chat/nul%00/", "/chat/dm.1.2/", "/chat/%20/"],
    )  # fmt: skip
    def test_a_name_no_room_may_have_is_a_plain_404(self, alice_client, path):
        response = alice_client.get(path)
        assert response.status_code == 404
        content = response.content.decode()
        assert "Create #" not in content
        assert "<script>alert" not in content
        assert "There is nothing here" in content


def without_tokens(content: str) -> str:
    """The page less its CSRF tokens, which differ on every rendering."""
    content = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", content)


class TestAPrivateRoomsName:
    @pytest.fixture
    def hidden(self, alice, bob) -> Room:
        room = open_room("hidden", by=bob, private=True)
        post_message(room, bob, "members only")
        return room

    def test_looks_like_a_free_name_to_a_non_member(self, hidden, alice_client):
        taken = alice_client.get("/chat/hidden/")
        free = alice_client.get("/chat/hidder/")
        assert taken.status_code == free.status_code == 404
        assert without_tokens(taken.content.decode()) == without_tokens(
            free.content.decode()
        ).replace("hidder", "hidden")
        assert "members only" not in taken.content.decode()

    def test_creating_it_fails_as_the_lobby_form_does(self, hidden, alice, alice_client):
        response = alice_client.post("/chat/", {"name": "hidden"})
        assert response.status_code == 200
        assert (
            "That room is private: ask one of its members to add you." in response.content.decode()
        )
        assert not hidden.memberships.filter(user=alice).exists()
        assert Room.objects.filter(name__iexact="hidden").count() == 1

    def test_members_get_the_room(self, hidden, alice, alice_client):
        add_member(hidden, alice)
        response = alice_client.get("/chat/hidden/")
        assert response.status_code == 200
        assert "members only" in response.content.decode()
