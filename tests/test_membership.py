"""Private rooms, direct conversations, unread counts and the lobby: every path."""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.admin.sites import site as admin_site
from django.test import Client, RequestFactory
from django.urls import reverse

from chatsite.asgi import application
from rooms import fragments, protocol
from rooms.actions import (
    add_member,
    delete_message,
    edit_message,
    open_direct,
    open_room,
    post_message,
    remove_member,
)
from rooms.admin import MessageAdmin
from rooms.models import Membership, Message, Room
from rooms.protocol import CLOSE_FORBIDDEN
from tests.conftest import ORIGIN, PRESENCE_PREFIX, next_message, post, session_cookie

HTMX = {"HX-Request": "true"}


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user("carol", password="correct horse battery")


@pytest.fixture
def secret(alice, bob) -> Room:
    room = open_room("secret", by=alice, private=True)
    add_member(room, bob)
    return room


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
class TestPrivateRooms:
    def test_the_creator_is_the_first_member(self, alice):
        room = open_room("hidden", by=alice, private=True)
        assert list(room.members.all()) == [alice]
        assert room.kind == Room.Kind.PRIVATE

    def test_the_lobby_form_creates_a_private_room(self, alice_client, alice):
        response = alice_client.post("/chat/", {"name": "hidden", "private": "on"})
        assert response.url == "/chat/hidden/"
        assert Room.objects.get(name="hidden").kind == Room.Kind.PRIVATE

    @pytest.mark.parametrize(
        "path",
        ["/chat/secret/", "/chat/secret/?before=10", "/chat/secret/?around=1",
         "/chat/secret/messages/?after=0", "/chat/secret/messages/?before=99"],
    )  # fmt: skip
    def test_a_non_member_gets_404_for_every_page(self, secret, carol, path):
        post_message(secret, secret.created_by, "members only")
        assert client_for(carol).get(path).status_code == 404

    def test_a_non_member_cannot_post_read_or_add(self, secret, carol):
        client = client_for(carol)
        assert client.post("/chat/secret/messages/", {"body": "let me in"}).status_code == 404
        assert client.post("/chat/secret/read/", {"up_to": "1"}).status_code == 404
        assert client.post("/chat/secret/members/", {"username": "carol"}).status_code == 404
        assert not secret.messages.exists()
        assert not secret.memberships.filter(user=carol).exists()

    def test_a_non_member_cannot_touch_a_message(self, secret, alice, carol):
        message = post_message(secret, alice, "private words")
        client = client_for(carol)
        for action in ("message", "edit", "delete"):
            url = reverse(f"rooms:{action}", args=["secret", message.pk])
            assert client.get(url).status_code == 404
            assert client.post(url, {"body": "x"}).status_code in (404, 405)
        message.refresh_from_db()
        assert (message.body, message.is_deleted) == ("private words", False)

    def test_members_see_the_room_and_its_members(self, secret, bob):
        content = client_for(bob).get("/chat/secret/").content.decode()
        assert "2 members" in content
        assert 'class="tag">private</span>' in content

    def test_a_non_member_joining_by_name_is_told_it_is_private(self, secret, carol):
        response = client_for(carol).post("/chat/", {"name": "SECRET"})
        assert response.status_code == 200
        assert b"That room is private" in response.content
        assert not secret.memberships.filter(user=carol).exists()

    def test_the_lobby_lists_only_rooms_the_user_may_see(self, secret, carol, alice):
        open_room("open-to-all", by=alice)
        content = client_for(carol).get("/chat/").content.decode()
        assert "#open-to-all" in content
        assert "#secret" not in content

    def test_a_member_adds_someone(self, secret, bob, carol):
        response = client_for(bob).post("/chat/secret/members/", {"username": "carol"})
        assert response.url == "/chat/secret/"
        assert client_for(carol).get("/chat/secret/").status_code == 200

    @pytest.mark.parametrize("username", ["nobody", "", "<script>"])
    def test_adding_an_unknown_name_is_an_error(self, secret, bob, username):
        response = client_for(bob).post("/chat/secret/members/", {"username": username})
        assert response.status_code == 200
        assert b'role="alert"' in response.content
        assert secret.memberships.count() == 2

    def test_a_public_room_has_no_members_to_add(self, room, alice_client):
        assert alice_client.post("/chat/general/members/", {"username": "bob"}).status_code == 403

    def test_a_member_leaves(self, secret, bob):
        response = client_for(bob).post(reverse("rooms:remove_member", args=["secret", bob.pk]))
        assert response.url == "/chat/"
        assert client_for(bob).get("/chat/secret/").status_code == 404

    def test_the_creator_removes_someone_but_others_cannot(self, secret, alice, bob, carol):
        add_member(secret, carol)
        url = reverse("rooms:remove_member", args=["secret", carol.pk])
        assert client_for(bob).post(url).status_code == 403
        assert secret.memberships.filter(user=carol).exists()
        assert client_for(alice).post(url).url == "/chat/secret/"
        assert not secret.memberships.filter(user=carol).exists()

    def test_removing_someone_not_in_the_room_is_404(self, secret, alice, carol):
        url = reverse("rooms:remove_member", args=["secret", carol.pk])
        assert client_for(alice).post(url).status_code == 404


@pytest.mark.django_db
class TestDirectConversations:
    def test_opening_one_creates_it_once_for_both(self, alice, bob):
        first = client_for(alice).get("/chat/@bob/")
        again = client_for(bob).get("/chat/@alice/")
        room = Room.objects.get(kind=Room.Kind.DIRECT)
        assert first.url == again.url == room.get_absolute_url()
        assert set(room.members.all()) == {alice, bob}

    def test_each_sees_the_other_name(self, alice, bob):
        room = open_direct(alice, bob)
        assert room.label_for(alice) == "@bob"
        assert room.label_for(bob) == "@alice"
        assert b"<h1>@bob" in client_for(alice).get(room.get_absolute_url()).content

    def test_a_third_person_cannot_see_it(self, alice, bob, carol):
        room = open_direct(alice, bob)
        assert client_for(carol).get(room.get_absolute_url()).status_code == 404
        assert client_for(carol).get(f"/chat/{room.name}/messages/?after=0").status_code == 404

    def test_unknown_person_is_404(self, alice_client):
        assert alice_client.get("/chat/@nobody/").status_code == 404

    def test_no_one_can_add_to_or_leave_it(self, alice, bob, carol):
        room = open_direct(alice, bob)
        members = reverse("rooms:members", args=[room.name])
        assert client_for(alice).post(members, {"username": "carol"}).status_code == 403
        leave = reverse("rooms:remove_member", args=[room.name, alice.pk])
        assert client_for(alice).post(leave).status_code == 403

    def test_a_name_chosen_by_people_never_looks_like_one(self, alice_client):
        response = alice_client.post("/chat/", {"name": "dm.1.2"})
        assert b'role="alert"' in response.content
        assert not Room.objects.exists()


@pytest.mark.django_db
class TestUnread:
    def lobby_row(self, user, room: Room) -> Room:
        return Room.objects.filter(pk=room.pk).with_unread_for(user).get()

    def test_counts_others_messages_since_the_last_visit(self, room, alice, bob):
        client_for(bob).get("/chat/general/")
        post_message(room, alice, "one")
        post_message(room, alice, "two")
        post_message(room, bob, "my own")
        row = self.lobby_row(bob, room)
        assert (row.unread, row.unread_mentions) == (2, None)

    def test_viewing_the_room_marks_it_read(self, room, alice, bob):
        client_for(bob).get("/chat/general/")
        post_message(room, alice, "one")
        client_for(bob).get("/chat/general/")
        assert self.lobby_row(bob, room).unread is None

    def test_the_page_marks_what_it_has_shown(self, room, alice, bob):
        client_for(bob).get("/chat/general/")
        first = post_message(room, alice, "one")
        post_message(room, alice, "two")
        response = client_for(bob).post("/chat/general/read/", {"up_to": str(first.pk)})
        assert response.status_code == 204
        assert self.lobby_row(bob, room).unread == 1

    def test_a_read_marker_never_goes_back(self, room, alice, bob):
        client_for(bob).get("/chat/general/")
        post_message(room, alice, "one")
        client_for(bob).get("/chat/general/")
        client_for(bob).post("/chat/general/read/", {"up_to": "0"})
        assert self.lobby_row(bob, room).unread is None

    @pytest.mark.parametrize("up_to", ["", "x", "-1", "9" * 30])
    def test_a_bad_read_marker_is_400(self, room, alice_client, up_to):
        assert alice_client.post("/chat/general/read/", {"up_to": up_to}).status_code == 400

    def test_deleted_messages_are_not_unread(self, room, alice, bob):
        client_for(bob).get("/chat/general/")
        delete_message(post_message(room, alice, "oops"))
        assert self.lobby_row(bob, room).unread is None

    def test_mentions_are_counted_apart(self, room, alice, bob):
        client_for(bob).get("/chat/general/")
        post_message(room, alice, "hey @bob look")
        post_message(room, alice, "no mention")
        row = self.lobby_row(bob, room)
        assert (row.unread, row.unread_mentions) == (2, 1)

    def test_a_public_room_never_visited_has_no_count(self, room, alice, bob):
        post_message(room, alice, "hello")
        row = self.lobby_row(bob, room)
        assert (row.last_read, row.unread) == (None, None)
        content = client_for(bob).get("/chat/").content.decode()
        assert 'data-last-read=""' in content

    def test_the_lobby_shows_both_counts(self, room, alice, bob):
        client_for(bob).get("/chat/general/")
        post_message(room, alice, "@bob hi")
        content = client_for(bob).get("/chat/").content.decode()
        assert (
            '<span class="unread" data-count="1">1<span class="visually-hidden"> unread' in content
        )
        assert '<span class="unread-mentions" data-count="1">@1' in content


@pytest.mark.django_db
class TestMentions:
    def test_a_mention_is_stored_and_marked_on_the_fragment(self, room, alice, bob):
        message = post_message(room, alice, "ping @Bob please")
        assert list(message.mentions.all()) == [bob]
        assert 'data-mentions="bob"' in fragments.message(message)

    def test_only_members_of_a_private_room_can_be_mentioned(self, secret, alice, carol):
        message = post_message(secret, alice, "@carol and @bob")
        assert message.mention_names == "bob"

    def test_an_edit_updates_the_mentions(self, room, alice, bob):
        message = post_message(room, alice, "@bob")
        edit_message(message, "never mind")
        assert not message.mentions.exists()
        assert message.mention_names == ""


@pytest.mark.django_db
class TestAdmin:
    def test_deleting_a_message_in_the_admin_is_a_tombstone_for_everyone(self, room, alice):
        message = post_message(room, alice, "spam")
        admin = MessageAdmin(Message, admin_site)
        request = RequestFactory().post("/admin/")
        admin.delete_model(request, message)
        message.refresh_from_db()
        assert message.is_deleted
        assert message.body == ""

    def test_messages_cannot_be_edited_in_the_admin(self, room):
        assert not MessageAdmin(Message, admin_site).has_change_permission(
            RequestFactory().get("/")
        )

    def test_the_admin_lists_rooms_memberships_and_messages(self, room, alice, django_user_model):
        staff = django_user_model.objects.create_superuser("root", password="x")
        post_message(room, alice, "hello")
        client = client_for(staff)
        for model in ("room", "membership", "message"):
            assert client.get(f"/admin/rooms/{model}/").status_code == 200


# Sockets ------------------------------------------------------------------------------------

pytestmark_sockets = pytest.mark.django_db(transaction=True)


@pytest.fixture
def socket(alice, bob, carol):
    cookies = {user: session_cookie(user) for user in (alice, bob, carol)}

    def socket(user, path: str) -> WebsocketCommunicator:
        return WebsocketCommunicator(application, path, headers=[ORIGIN, cookies[user]])

    return socket


@pytestmark_sockets
async def test_a_non_member_socket_is_closed_with_4403(redis_layer, socket, secret, carol):
    communicator = socket(carol, "/ws/chat/secret/")
    await communicator.connect()
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": CLOSE_FORBIDDEN,
    }


@pytestmark_sockets
async def test_removing_a_member_closes_their_sockets_and_only_theirs(
    redis_layer, socket, secret, alice, bob
):
    alice_socket, bob_socket = socket(alice, "/ws/chat/secret/"), socket(bob, "/ws/chat/secret/")
    assert (await alice_socket.connect())[0]
    assert (await bob_socket.connect())[0]
    await database_sync(remove_member)(secret, bob)
    while (frame := await bob_socket.receive_output())["type"] != "websocket.close":
        assert frame["text"].startswith(PRESENCE_PREFIX)
    assert frame["code"] == CLOSE_FORBIDDEN
    message = await post(secret, alice, "bob is gone")
    assert await next_message(alice_socket) == fragments.message(message)
    await alice_socket.disconnect()


@pytestmark_sockets
async def test_the_lobby_hears_of_public_rooms_and_of_its_own_private_ones(
    redis_layer, socket, room, secret, alice, bob, carol
):
    carol_lobby, bob_lobby = socket(carol, "/ws/lobby/"), socket(bob, "/ws/lobby/")
    assert (await carol_lobby.connect())[0]
    assert (await bob_lobby.connect())[0]
    await post(secret, alice, "members only")
    public = await post(room, alice, "for everyone")
    row = await bob_lobby.receive_from()
    assert row.startswith('<div hx-swap-oob="lobby:#room-list"><li id="lobby-room-')
    assert f'id="lobby-room-{secret.pk}"' in row
    assert f'id="lobby-room-{room.pk}"' in await bob_lobby.receive_from()
    # Carol's first row is the public one: the private room's never reached her.
    carol_row = await carol_lobby.receive_from()
    assert f'id="lobby-room-{room.pk}"' in carol_row
    assert f'data-last-id="{public.pk}"' in carol_row
    assert await carol_lobby.receive_nothing()
    for lobby in (carol_lobby, bob_lobby):
        await lobby.disconnect()


@pytestmark_sockets
async def test_an_anonymous_lobby_socket_is_closed_with_4401(redis_layer):
    communicator = WebsocketCommunicator(application, "/ws/lobby/", headers=[ORIGIN])
    await communicator.connect()
    assert (await communicator.receive_output())["code"] == 4401


@pytestmark_sockets
async def test_admin_deletion_reaches_open_pages(redis_layer, room, alice):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(protocol.room_group(room.pk, "en"), channel)
    message = await post(room, alice, "spam")
    await layer.receive(channel)
    await database_sync(MessageAdmin(Message, admin_site).delete_model)(None, message)
    update = await layer.receive(channel)
    assert f'id="message-{message.pk}"' in update["html"]
    assert "Message deleted" in update["html"]


def database_sync(function):
    from channels.db import database_sync_to_async

    return database_sync_to_async(function)


def test_membership_str(db, secret, bob):
    assert str(Membership.objects.get(room=secret, user=bob)) == "bob in secret"
