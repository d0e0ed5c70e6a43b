"""Pins: members pin and unpin messages; the room's "Pinned" panel lists them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rooms import fragments
from rooms.actions import delete_message, open_room, post_message
from rooms.actions.pins import pin, unpin
from rooms.actions.topics import set_topic
from rooms.models import Message
from tests.conversation import HTMX, client_for, find, fresh_rate_limits, one
from tests.markup import Markup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    yield from fresh_rate_limits()


@pytest.fixture
def message(room, alice) -> Message:
    return post_message(room, alice, "The **plan** for Monday")


def panel(client, room: str = "general") -> list[str]:
    """The links of the room page's "Pinned" panel."""
    html = client.get(f"/chat/{room}/").content.decode()
    start = html.index('<details id="pins"')
    section = html[start : html.index("</details>", start)]
    return [attributes["href"] or "" for tag, attributes in Markup(section).elements if tag == "a"]


def test_anyone_who_sees_a_public_room_pins_without_javascript(room, message, bob):
    bob_client = client_for(bob)
    confirm = bob_client.get(f"/chat/general/messages/{message.pk}/pin/")
    assert "Pin this message?" in confirm.content.decode()
    response = bob_client.post(f"/chat/general/messages/{message.pk}/pin/")
    assert response.url == message.get_absolute_url()
    message.refresh_from_db()
    assert message.pinned_at is not None
    assert message.pinned_by == bob
    assert panel(bob_client) == [message.get_absolute_url()]
    html = fragments.message(Message.objects.for_display().get(pk=message.pk))
    assert one(html, "pinned-marker", "span")
    assert one(html, "pin-action", "a")["href"] == f"/chat/general/messages/{message.pk}/unpin/"
    assert ">Unpin</a>" in html


def test_unpinning_takes_it_out_of_the_panel(room, message, alice_client, alice):
    pin(message, by=alice)
    assert alice_client.post(f"/chat/general/messages/{message.pk}/unpin/").status_code == 302
    message.refresh_from_db()
    assert (message.pinned_at, message.pinned_by) == (None, None)
    assert panel(alice_client) == []
    assert "No pinned messages." in alice_client.get("/chat/general/").content.decode()


def test_the_panel_lists_the_latest_pinned_first_and_drops_deleted_ones(room, alice, bob):
    first, second, third = (post_message(room, alice, f"pin {n}") for n in range(3))
    for message in (second, first, third):
        pin(message, by=bob)
    client = client_for(bob)
    assert panel(client) == [m.get_absolute_url() for m in (third, first, second)]
    delete_message(first)
    assert panel(client) == [m.get_absolute_url() for m in (third, second)]


def test_pinning_twice_changes_nothing(room, message, alice):
    pin(message, by=alice)
    revision = message.revision
    pin(Message.objects.get(pk=message.pk), by=alice)
    unpin(post_message(room, alice, "never pinned"))
    assert Message.objects.get(pk=message.pk).revision == revision


def test_htmx_pinning_answers_no_content_the_socket_brings_the_change(room, message, alice_client):
    response = alice_client.post(f"/chat/general/messages/{message.pk}/pin/", headers=HTMX)
    assert response.status_code == 204
    message.refresh_from_db()
    assert message.pinned_at is not None


def test_outsiders_get_404(alice, bob):
    secret = open_room("secret", by=alice, private=True)
    hidden = post_message(secret, alice, "ours")
    bob_client = client_for(bob)
    for action in ("pin", "unpin"):
        url = f"/chat/secret/messages/{hidden.pk}/{action}/"
        assert bob_client.get(url).status_code == 404
        assert bob_client.post(url).status_code == 404
    # Nor through a room bob may see: the message is not in it.
    open_room("general", by=bob)
    assert bob_client.post(f"/chat/general/messages/{hidden.pk}/pin/").status_code == 404
    hidden.refresh_from_db()
    assert hidden.pinned_at is None


@pytest.mark.parametrize("pk", ["abc", "-1", "0", "99999999", "9" * 25])
def test_garbage_ids_get_404(room, alice_client, pk):
    assert alice_client.post(f"/chat/general/messages/{pk}/pin/").status_code == 404


def test_deleted_messages_and_system_lines_are_not_pinned(room, message, alice, alice_client):
    set_topic(room, "topic", by=alice)
    line = room.messages.get(kind=Message.Kind.TOPIC)
    delete_message(message)
    for target in (message, line):
        assert alice_client.post(f"/chat/general/messages/{target.pk}/pin/").status_code == 404
    assert find(fragments.message(line), "pin-action") == []


def test_every_message_offers_pin_to_every_reader(room, message):
    link = one(fragments.message(message), "pin-action", "a")
    assert link["href"] == f"/chat/general/messages/{message.pk}/pin/"
    assert link["hx-post"] == link["href"]
