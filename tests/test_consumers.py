"""The websocket side, through the project's real ASGI application and a real redis-server."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from chatsite.asgi import application
from rooms import fragments
from rooms.actions import open_room
from rooms.consumers import RoomConsumer
from rooms.protocol import CLOSE_NO_SUCH_ROOM, CLOSE_UNAUTHENTICATED
from support.processes import free_port
from tests.conftest import ORIGIN, next_message, post

pytestmark = pytest.mark.django_db(transaction=True)


async def test_receives_each_broadcast_verbatim(redis_layer, socket_for, room, alice, bob):
    socket = socket_for(bob, "general")
    connected, _ = await socket.connect()
    assert connected
    message = await post(room, alice, "hello <there>")
    assert await next_message(socket) == fragments.message(message)
    await socket.disconnect()


async def test_every_socket_in_the_room_gets_the_same_fragment(
    redis_layer, socket_for, room, alice, bob
):
    sockets = [socket_for(user, "general") for user in (alice, bob, bob)]
    for socket in sockets:
        assert (await socket.connect())[0]
    message = await post(room, alice, "to everyone")
    assert [await next_message(socket) for socket in sockets] == [fragments.message(message)] * 3
    for socket in sockets:
        await socket.disconnect()


async def test_rooms_are_isolated(redis_layer, socket_for, room, alice, bob):
    other = await database_sync_to_async(open_room)("other", by=alice)
    in_other = socket_for(bob, "other")
    assert (await in_other.connect())[0]
    await post(room, alice, "only for general")
    for_other = await post(other, alice, "only for other")
    # Delivery to one socket is in order: had general's message leaked, it would come first.
    assert await next_message(in_other) == fragments.message(for_other)
    await in_other.disconnect()


async def test_room_name_in_the_url_ignores_case(redis_layer, socket_for, room, alice):
    socket = socket_for(alice, "GENERAL")
    assert (await socket.connect())[0]
    message = await post(room, alice, "hi")
    assert await next_message(socket) == fragments.message(message)
    await socket.disconnect()


async def test_anonymous_socket_is_closed_with_4401(redis_layer, room):
    socket = WebsocketCommunicator(RoomConsumer.as_asgi(), "/ws/chat/general/")
    socket.scope["user"] = AnonymousUser()
    socket.scope["url_route"] = {"kwargs": {"name": "general"}}
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_output() == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


async def test_anonymous_through_the_full_stack_is_closed_with_4401(redis_layer, room):
    socket = WebsocketCommunicator(application, "/ws/chat/general/", headers=[ORIGIN])
    await socket.connect()
    assert await socket.receive_output() == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


async def test_unknown_room_is_closed_with_4404(redis_layer, socket_for, alice):
    socket = socket_for(alice, "nowhere")
    await socket.connect()
    assert await socket.receive_output() == {"type": "websocket.close", "code": CLOSE_NO_SUCH_ROOM}


@pytest.mark.parametrize(
    "origin", [b"http://evil.example", b"null", b"http://localhost.evil.example", b"not a url"]
)
async def test_foreign_origin_is_refused_before_connect(redis_layer, room, alice, cookies, origin):
    socket = WebsocketCommunicator(
        application, "/ws/chat/general/", headers=[(b"origin", origin), cookies[alice]]
    )
    connected, _ = await socket.connect()
    assert not connected


async def test_missing_origin_is_refused(redis_layer, room, alice, cookies):
    socket = WebsocketCommunicator(application, "/ws/chat/general/", headers=[cookies[alice]])
    connected, _ = await socket.connect()
    assert not connected


@pytest.mark.parametrize(
    "frame",
    ['{"body": "hi"}', "not json", " ", "{}", "x" * 70_000, '{"type": "room.html", "html": "<p>"}'],
)
async def test_inbound_frames_are_ignored(redis_layer, socket_for, room, alice, frame):
    socket = socket_for(alice, "general")
    assert (await socket.connect())[0]
    await socket.send_to(text_data=frame)
    await socket.send_to(bytes_data=frame.encode())
    # The socket still works and nothing was relayed or stored.
    message = await post(room, alice, "still here")
    assert await next_message(socket) == fragments.message(message)
    assert await database_sync_to_async(room.messages.count)() == 1
    await socket.disconnect()


async def test_with_the_layer_down_a_socket_is_refused_in_one_log_line(
    settings, socket_for, room, alice, caplog
):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    connected, _ = await socket_for(alice, "general").connect()
    assert not connected
    [record] = [r for r in caplog.records if r.name == "rooms.consumers"]
    assert record.getMessage().startswith("Socket refused, channel layer down: ConnectionError")
    assert record.exc_info is None
