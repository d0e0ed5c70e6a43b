"""A socket's session and user (chatsite/socket_auth.py): read from the cookie in one
step, the user in the consumer's own database hop, and hostile cookies refused."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chatsite.asgi import application
from chatsite.socket_auth import SessionAuthMiddleware
from rooms.protocol import CLOSE_UNAUTHENTICATED
from tests.conftest import ORIGIN, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_session_is_the_cookies_and_the_socket_is_written_to_directly():
    seen: dict[str, Any] = {}

    async def inner(scope, receive, send) -> None:
        seen.update(scope=scope, send=send)

    async def send(message) -> None:
        pass

    cookie = (b"cookie", b"theme=dark; sessionid=abcdefgh12345678")
    scope = {"type": "websocket", "headers": [cookie]}
    await SessionAuthMiddleware(inner)(scope, None, send)
    assert seen["scope"]["session"].session_key == "abcdefgh12345678"
    # Channels' session middleware wraps `send`, to save a changed session on every frame;
    # a socket never changes its session.
    assert seen["send"] is send
    assert "session" not in scope  # the caller's scope is left as it was


async def answer(*cookies: bytes) -> dict:
    headers = [ORIGIN, *((b"cookie", cookie) for cookie in cookies)]
    socket = WebsocketCommunicator(application, "/ws/chat/general/", headers=headers)
    connected, _ = await socket.connect()
    assert connected
    try:
        return await socket.receive_output(timeout=5)
    finally:
        await socket.disconnect()


@pytest.mark.parametrize(
    "cookie",
    [
        b"",
        b"sessionid=",
        b"sessionid=not-a-session-at-all",
        b"sessionid=../../../etc/passwd",
        b"sessionid=" + b"x" * 4000,
        b"sessionid=\xff\xfe\x00; other=\x80",
        b";;;=;sessionid",
    ],
    ids=["empty", "blank", "unknown", "path", "oversized", "bytes", "malformed"],
)
async def test_a_hostile_or_empty_session_cookie_is_closed_with_4401(redis_layer, room, cookie):
    assert await answer(cookie) == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_the_session_may_come_in_a_second_cookie_header(redis_layer, room, alice):
    _, signed_in = await database_sync_to_async(session_cookie)(alice)
    # Open, and in the room: the first frame is who is here.
    first = await answer(b"theme=dark", signed_in)
    assert first["type"] == "websocket.send"
    assert "alice" in first["text"]
