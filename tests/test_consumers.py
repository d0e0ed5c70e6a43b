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
from rooms.protocol import (
    CLOSE_NO_SUCH_ROOM,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_UNAUTHENTICATED,
    CLOSE_UNEXPECTED_FRAMES,
)
from support.processes import free_port
from tests.conftest import ORIGIN, PRESENCE_PREFIX, next_message, post, session_cookie

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


async def test_a_session_from_before_a_password_change_is_closed_with_4401(
    redis_layer, room, alice
):
    # The user is read in the consumer's own database hop (chatsite/socket_auth.py), with
    # Django's check of the session against the password, as for a page.
    cookie = await database_sync_to_async(session_cookie)(alice)
    socket = WebsocketCommunicator(application, "/ws/chat/general/", headers=[ORIGIN, cookie])
    assert (await socket.connect())[0]
    await socket.disconnect()
    alice.set_password("a new one entirely")
    await database_sync_to_async(alice.save)()
    again = WebsocketCommunicator(application, "/ws/chat/general/", headers=[ORIGIN, cookie])
    await again.connect()
    assert await again.receive_output() == {
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


# Caps (rooms/limits.py) and frames no page sends ---------------------------------------------


async def test_a_person_may_have_only_so_many_sockets_open(
    redis_layer, settings, socket_for, room, alice, bob, caplog
):
    settings.SOCKETS_PER_USER = 2
    first, second, third = (socket_for(alice, "general") for _ in range(3))
    for socket in (first, second, third):
        assert (await socket.connect())[0]
    # Accepted, then closed with a code the page does not retry.
    refusal = {"type": "websocket.close", "code": CLOSE_TOO_MANY_SOCKETS}
    assert await third.receive_output() == refusal
    message = f"Socket refused: user {alice.pk} has 2 open in this process (SOCKETS_PER_USER)"
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [message]
    others = socket_for(bob, "general")
    assert (await others.connect())[0]
    await first.disconnect()
    again = socket_for(alice, "general")  # one closed: one more may open
    assert (await again.connect())[0]
    posted = await post(room, bob, "to every open socket")
    for socket in (second, others, again):
        assert await next_message(socket) == fragments.message(posted)
    for socket in (second, third, others, again):
        await socket.disconnect()


def from_address(socket: WebsocketCommunicator, address: str) -> WebsocketCommunicator:
    socket.scope["client"] = (address, 50000)  # as uvicorn gives it, X-Forwarded-For's
    return socket


async def test_an_address_may_have_only_so_many_sockets_open_checked_before_the_session(
    redis_layer, settings, socket_for, room, alice, bob, caplog
):
    settings.SOCKETS_PER_ADDRESS = 2
    sockets = [from_address(socket_for(user, "general"), "10.0.0.7") for user in (alice, bob)]
    for socket in sockets:
        assert (await socket.connect())[0]
    # Anyone, even without a session: refused before the session is read (not 4401).
    anonymous = WebsocketCommunicator(application, "/ws/chat/general/", headers=[ORIGIN])
    for refused in (from_address(socket_for(alice, "general"), "10.0.0.7"), anonymous):
        from_address(refused, "10.0.0.7")
        assert (await refused.connect())[0]
        assert await refused.receive_output() == {
            "type": "websocket.close",
            "code": CLOSE_TOO_MANY_SOCKETS,
        }
    assert "Socket refused: 10.0.0.7 has 2 open in this process (SOCKETS_PER_ADDRESS)" in (
        caplog.text
    )
    elsewhere = from_address(socket_for(alice, "general"), "10.0.0.8")
    assert (await elsewhere.connect())[0]
    posted = await post(room, bob, "from every address")
    assert await next_message(elsewhere) == fragments.message(posted)
    for socket in (*sockets, elsewhere):
        await socket.disconnect()


async def test_a_socket_sending_only_what_no_page_sends_is_closed(
    redis_layer, settings, socket_for, room, alice, caplog
):
    settings.SOCKET_MAX_UNEXPECTED_FRAMES = 3
    socket = socket_for(alice, "general")
    assert (await socket.connect())[0]
    for frame in ("not json", '{"type": "room.html"}', "[]"):
        await socket.send_to(text_data=frame)
    posted = await post(room, alice, "still open after three")
    assert await next_message(socket) == fragments.message(posted)
    await socket.send_to(bytes_data=b"\x00\xff")
    while (output := await socket.receive_output())["type"] == "websocket.send":
        assert output["text"].startswith(PRESENCE_PREFIX)
    assert output == {"type": "websocket.close", "code": CLOSE_UNEXPECTED_FRAMES}
    logged = [r.getMessage() for r in caplog.records if r.name == "rooms.consumers"]
    assert logged == [
        *[f"Ignored an unexpected frame from user {alice.pk}"] * 3,
        f"Socket of user {alice.pk} at unknown closed: more than 3 unexpected frames",
    ]
    await socket.disconnect()
