"""Links to messages: every message's "Copy link" is the room opened around it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rooms import fragments
from rooms.actions import add_member, open_room, post_message
from tests.conversation import client_for, find, fresh_rate_limits, message_ids, one

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    yield from fresh_rate_limits()


def test_a_message_links_to_its_room_opened_around_it(room, alice):
    message = post_message(room, alice, "look here")
    assert message.get_absolute_url() == f"/chat/general/?around={message.pk}#message-{message.pk}"
    html = fragments.message(message)
    link = one(html, "copy-link", "a")
    assert link["href"] == message.get_absolute_url()
    assert "data-copy-link" in link
    assert ">Copy link</a>" in html


def test_following_the_link_opens_the_room_at_that_message_among_many(room, alice, bob):
    messages = [post_message(room, alice, f"number {n}") for n in range(120)]
    linked = messages[10]
    response = client_for(bob).get(linked.get_absolute_url().split("#")[0])
    assert response.status_code == 200
    page = response.content.decode()
    shown = message_ids(page)
    assert linked.pk in shown
    assert messages[-1].pk not in shown  # history around it, not the latest page
    # The page says it reads history; :target highlights the message (chat.css).
    one(page, "history-note")


def test_the_link_is_a_404_for_whoever_may_not_see_the_room(alice, bob, django_user_model):
    carol = django_user_model.objects.create_user("carol", password="x")
    secret = open_room("secret", by=alice, private=True)
    add_member(secret, bob)
    message = post_message(secret, alice, "between us")
    url = message.get_absolute_url().split("#")[0]
    assert client_for(bob).get(url).status_code == 200
    assert client_for(carol).get(url).status_code == 404


@pytest.mark.parametrize("around", ["", "abc", "-1", "1.5", "+3", "٣", "9" * 30, "\x00"])
def test_a_malformed_message_id_is_a_400(alice_client, room, around):
    assert alice_client.get("/chat/general/", {"around": around}).status_code == 400


def test_the_page_has_a_live_region_to_say_the_link_was_copied(alice_client, room):
    page = alice_client.get("/chat/general/").content.decode()
    status = next(a for a in find(page, "visually-hidden", "p") if a.get("id") == "link-status")
    assert status["role"] == "status"
    assert status["data-copied"] == "Link copied"
