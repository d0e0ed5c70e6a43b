"""People: profiles (display name, bio) shown on messages, presence and the lobby; the
directory and profile pages; staff deactivating, reactivating and granting staff."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.admin import site as admin_site
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import actions
from accounts.admin import PersonAdmin
from accounts.models import Profile
from rooms import fragments
from rooms.actions import open_room, post_message
from rooms.models import Room
from rooms.presence import Snapshot

User = get_user_model()


def named(user, display_name: str, bio: str = "") -> None:
    Profile.objects.update_or_create(user=user, defaults={"display_name": display_name, "bio": bio})


@pytest.fixture
def staff(db):
    return User.objects.create_user("boss", password="correct horse battery", is_staff=True)


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


class TestShownNames:
    def test_messages_show_the_display_name_with_the_username_in_the_title(self, room, alice):
        named(alice, "Alice Liddell")
        html = fragments.message(post_message(room, alice, "hello @bob"))
        assert ">Alice Liddell</a>" in html
        assert 'title="Message alice directly"' in html
        assert 'data-initials="AL"' in html

    def test_mentions_still_use_the_username(self, room, alice, bob):
        named(bob, "Robert")
        html = fragments.message(post_message(room, alice, "hi @bob"))
        assert ">@bob</a>" in html

    def test_a_new_name_shows_on_new_messages_at_once(self, alice_client, alice, room):
        post_message(room, alice, "before")
        response = alice_client.post(
            reverse("edit_profile"), {"display_name": "Queen Alice", "bio": "Hi!", "email": ""}
        )
        assert response.url == reverse("people:profile", args=["alice"])
        user = User.objects.get(pk=alice.pk)  # as a new request would have it
        assert ">Queen Alice</a>" in fragments.message(post_message(room, user, "after"))
        assert ">Queen Alice</a>" in alice_client.get(room.get_absolute_url()).content.decode()

    def test_presence_shows_names_and_avatars_the_same_for_everyone(self, alice, bob):
        named(bob, "Bobby")
        html = fragments.presence(Snapshot(3, ["alice", "bob", "gone"]))
        assert '<li title="@alice"><span class="avatar small"' in html
        assert "Bobby</li>" in html
        assert ">alice</li>" in html
        assert ">gone</li>" in html

    def test_the_history_page_costs_no_query_per_author(
        self, alice_client, alice, bob, room, django_assert_max_num_queries
    ):
        named(alice, "A")
        named(bob, "B")
        for n in range(10):
            post_message(room, alice if n % 2 else bob, f"m{n}")
        with django_assert_max_num_queries(20):
            html = alice_client.get(room.get_absolute_url()).content.decode()
        assert html.count(">A</a>") == 5
        assert html.count(">B</a>") == 5

    def test_the_lobby_shows_a_conversation_partner_by_display_name(self, alice_client, alice, bob):
        named(bob, "Bobby")
        alice_client.get(reverse("rooms:direct", args=["bob"]))
        assert Room.objects.filter(kind=Room.Kind.DIRECT).exists()
        html = alice_client.get("/chat/").content.decode()
        assert 'title="@bob">Bobby</span>' in html

    def test_the_top_bar_leads_to_people_and_ones_profile(self, alice_client):
        html = alice_client.get("/chat/").content.decode()
        assert f'href="{reverse("people:directory")}">People</a>' in html
        assert f'class="whoami" href="{reverse("people:profile", args=["alice"])}"' in html


class TestPages:
    def test_the_directory_searches_usernames_and_display_names(self, alice_client, alice, bob):
        named(bob, "Robert Paulson")
        html = alice_client.get(reverse("people:directory"), {"q": "paul"}).content.decode()
        assert "Robert Paulson" in html
        assert "@bob" in html
        assert "@alice" not in html
        html = alice_client.get(reverse("people:directory"), {"q": "ALI"}).content.decode()
        assert "@alice" in html
        assert "@bob" not in html
        html = alice_client.get(reverse("people:directory"), {"q": "zzz"}).content.decode()
        assert "Nobody is called “zzz”." in html

    def test_a_malformed_query_is_a_400(self, alice_client):
        assert alice_client.get(reverse("people:directory"), {"q": "x" * 101}).status_code == 400
        assert alice_client.get(reverse("people:directory"), {"page": "-1"}).status_code == 400

    def test_anonymous_visitors_log_in_first(self, alice):
        assert Client().get(reverse("people:directory")).status_code == 302
        assert Client().get(reverse("people:profile", args=["alice"])).status_code == 302

    def test_a_profile_page_offers_a_direct_message(self, alice_client, bob):
        named(bob, "Bobby", "Builds things.\nFixes them.")
        html = alice_client.get(reverse("people:profile", args=["bob"])).content.decode()
        assert "<h1>Bobby</h1>" in html
        assert "@bob" in html
        assert "Builds things.<br>Fixes them." in html
        assert f'href="{reverse("rooms:direct", args=["bob"])}">Message directly</a>' in html
        assert "Deactivate" not in html
        assert alice_client.get(reverse("people:profile", args=["nobody"])).status_code == 404

    def test_ones_own_profile_links_to_editing_it(self, alice_client):
        html = alice_client.get(reverse("people:profile", args=["alice"])).content.decode()
        assert reverse("edit_profile") in html
        form = alice_client.get(reverse("edit_profile")).content.decode()
        assert 'enctype="multipart/form-data"' in form
        assert reverse("password_change") in form

    def test_a_display_name_too_long_is_refused(self, alice_client, alice):
        response = alice_client.post(reverse("edit_profile"), {"display_name": "x" * 51})
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode()
        assert not Profile.objects.filter(user=alice).exists()


def manage(client: Client, username: str, action: str):
    return client.post(reverse("people:manage", args=[username]), {"action": action})


class TestAdministration:
    def test_staff_deactivate_and_reactivate_people(self, staff_client, alice, room):
        post_message(room, alice, "still here")
        alices = Client()
        alices.force_login(alice)
        html = staff_client.get(reverse("people:profile", args=["alice"])).content.decode()
        assert 'value="deactivate">Deactivate</button>' in html
        assert manage(staff_client, "alice", "deactivate").status_code == 302
        alice.refresh_from_db()
        assert not alice.is_active
        # Logged out everywhere, cannot log in, messages kept.
        assert alices.get("/chat/").status_code == 302
        assert not Client().login(username="alice", password="correct horse battery")
        assert room.messages.filter(author=alice).exists()
        # Hidden from the directory for everyone but staff.
        bob = User.objects.create_user("bobby", password="x")
        bobs = Client()
        bobs.force_login(bob)
        assert "@alice" not in bobs.get(reverse("people:directory")).content.decode()
        assert bobs.get(reverse("people:profile", args=["alice"])).status_code == 404
        assert "deactivated" in staff_client.get(reverse("people:directory")).content.decode()
        manage(staff_client, "alice", "reactivate")
        assert Client().login(username="alice", password="correct horse battery")
        # The sessions it ended stay ended.
        assert alices.get("/chat/").status_code == 302

    def test_staff_grant_and_remove_staff(self, staff_client, alice):
        manage(staff_client, "alice", "grant_staff")
        alice.refresh_from_db()
        assert alice.is_staff
        manage(staff_client, "alice", "remove_staff")
        alice.refresh_from_db()
        assert not alice.is_staff

    def test_only_staff_and_never_on_themselves(self, staff_client, staff, alice_client, bob):
        assert manage(alice_client, "bob", "deactivate").status_code == 403
        assert manage(staff_client, "boss", "deactivate").status_code == 403
        assert manage(staff_client, "boss", "remove_staff").status_code == 403
        assert manage(staff_client, "bob", "explode").status_code == 400
        assert manage(staff_client, "nobody", "deactivate").status_code == 404
        staff.refresh_from_db()
        bob.refresh_from_db()
        assert staff.is_active
        assert staff.is_staff
        assert bob.is_active

    def test_staff_see_the_invitations_link(self, staff_client, alice_client):
        assert (
            reverse("invitations") in staff_client.get(reverse("people:directory")).content.decode()
        )
        assert (
            reverse("invitations")
            not in alice_client.get(reverse("people:directory")).content.decode()
        )


@pytest.mark.django_db(transaction=True)
async def test_a_deactivated_persons_open_sockets_close_within_a_second(
    redis_layer, socket_for, alice, bob
):
    await database_sync_to_async(open_room)("general", by=alice)
    sockets = [
        socket_for(alice, "general"),
        socket_for(alice, "general"),
        socket_for(bob, "general"),
    ]
    for socket in sockets:
        assert (await socket.connect())[0]
    await database_sync_to_async(actions.set_active)(alice, False)
    for socket in sockets[:2]:
        while (output := await socket.receive_output(timeout=10))["type"] != "websocket.close":
            pass  # presence frames
        assert output["code"] == 4401
    # Someone else's socket stays open (it hears her leave); a new one of hers is refused.
    while not await sockets[2].receive_nothing(timeout=0.3):
        assert (await sockets[2].receive_output())["type"] == "websocket.send"
    again = socket_for(alice, "general")
    await again.connect()
    assert (await again.receive_output(timeout=1))["code"] == 4401
    await sockets[2].disconnect()


def test_deactivation_closes_sockets_only_once_committed(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        actions.set_active(alice, False)
    assert len(callbacks) == 1


def test_deactivating_in_the_django_admin_ends_sessions_and_closes_sockets(
    alice, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(alice)
    assert client.get(reverse("rooms:lobby")).status_code == 200
    alice.is_active = False
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        PersonAdmin(User, admin_site).save_model(
            RequestFactory().post("/admin/"), alice, None, True
        )
    assert len(callbacks) == 1  # the sockets' close, once committed
    assert client.get(reverse("rooms:lobby")).status_code == 302  # the session is gone
