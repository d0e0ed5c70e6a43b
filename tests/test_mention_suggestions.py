"""Mention suggestions: who is offered for "@al" (people who can see the room, by username or
display name, at most 8), and what empty, oversized, malformed and hostile queries get."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import Profile
from rooms.actions import add_member, open_room
from tests.markup import Markup
from tests.security import fresh_rate_limits  # noqa: F401 (autouse: every test here)

User = get_user_model()


def suggest(client: Client, room_name: str, query: str):
    return client.get(f"/chat/{room_name}/people/", {"q": query})


def offered(response) -> list[str]:
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="listbox"' in page
    return [
        line.split('data-username="')[1].split('"')[0]
        for line in page.splitlines()
        if 'role="option"' in line
    ]


@pytest.fixture
def people(db):
    made = {
        name: User.objects.create_user(name, password="correct horse battery")
        for name in ("alicia", "alfred", "zed", "gone")
    }
    Profile.objects.update_or_create(user=made["zed"], defaults={"display_name": "Albert Z"})
    made["gone"].is_active = False
    made["gone"].save()
    return made


def test_a_public_room_offers_active_people_by_username_or_display_name(alice_client, room, people):
    assert offered(suggest(alice_client, room.name, "al")) == ["alfred", "alice", "alicia", "zed"]
    assert offered(suggest(alice_client, room.name, "@ALI")) == ["alice", "alicia"]
    # An inactive account is never offered.
    assert offered(suggest(alice_client, room.name, "go")) == []


def test_a_private_room_offers_only_its_members(alice, alice_client, bob, people):
    secret = open_room("secret", by=alice, private=True)
    add_member(secret, bob)
    assert offered(suggest(alice_client, "secret", "al")) == ["alice"]
    assert offered(suggest(alice_client, "secret", "b")) == ["bob"]


def test_someone_who_cannot_see_the_room_gets_404(alice, bob, people):
    open_room("secret", by=alice, private=True)
    client = Client()
    client.force_login(people["zed"])
    assert suggest(client, "secret", "al").status_code == 404


def test_at_most_eight_are_offered(alice_client, room, db):
    for number in range(12):
        User.objects.create_user(f"many{number:02}")
    assert offered(suggest(alice_client, room.name, "many")) == [f"many{n:02}" for n in range(8)]


def test_the_list_is_an_accessible_listbox_of_options(alice_client, room, people):
    page = Markup(suggest(alice_client, room.name, "alf").content.decode())
    assert "mention-suggestions" in page.ids
    assert f"mention-option-{people['alfred'].pk}" in page.ids


@pytest.mark.parametrize(
    "query",
    ["", " ", "@", "a" * 151, "al\x00", "al\u202e", "al ice", "%", "_", "<script>", "' OR 1=1 --"],
)
def test_empty_oversized_malformed_and_hostile_queries_offer_no_one(
    alice_client, room, people, query
):
    response = suggest(alice_client, room.name, query)
    assert offered(response) == []
    assert "<script>" not in response.content.decode()


def test_asking_too_often_offers_no_one_until_the_window_passes(alice_client, room, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mention": "2/minute"}
    assert offered(suggest(alice_client, room.name, "al")) == ["alice"]
    assert offered(suggest(alice_client, room.name, "al")) == ["alice"]
    assert offered(suggest(alice_client, room.name, "al")) == []


def test_anonymous_visitors_are_sent_to_log_in(room):
    response = suggest(Client(), room.name, "al")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_only_get_is_answered(alice_client, room):
    assert alice_client.post(f"/chat/{room.name}/people/", {"q": "al"}).status_code == 405
