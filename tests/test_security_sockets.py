"""Sockets under attack: logging out closes every socket of that user (and only theirs), a
socket opened after logout is refused, malformed frames are ignored and logged.

Through the project's real ASGI stack, on channels-redis against a real redis-server.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from chatsite.asgi import application
from rooms.actions import post_message
from rooms.models import Message
from rooms.protocol import CLOSE_UNAUTHENTICATED
from tests.conftest import ORIGIN
from tests.security import (
    fresh_rate_limits,  # noqa: F401 (autouse: every test here)
    next_frame_with,
)


class LogWatch(logging.Handler):
    """Collects records until `count` have come, then sets `done` (same event loop)."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        self.records: list[logging.LogRecord] = []
        self.done = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if len(self.records) >= self.count:
            self.done.set()


# Sockets -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_logging_out_closes_every_socket_of_that_user_and_only_theirs(
    redis_layer, alice, bob, room
):
    alice_client, bob_client = Client(), Client()
    await sync_to_async(alice_client.force_login)(alice)
    await sync_to_async(bob_client.force_login)(bob)

    def socket_of(client: Client) -> WebsocketCommunicator:
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        return WebsocketCommunicator(
            application, "/ws/chat/general/", headers=[ORIGIN, (b"cookie", cookie)]
        )

    alices, bobs = [socket_of(alice_client), socket_of(alice_client)], socket_of(bob_client)
    for socket in [*alices, bobs]:
        assert (await socket.connect())[0]
    response = await sync_to_async(alice_client.post)("/accounts/logout/")
    assert response.status_code == 302
    for socket in alices:
        # Whatever was already on its way (presence) may come first; then the close.
        while (output := await socket.receive_output(timeout=30))["type"] == "websocket.send":
            pass
        assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    message = await sync_to_async(post_message)(room, bob, "after alice left")
    await next_frame_with(bobs, f'id="message-{message.pk}"')
    for socket in alices:
        assert await socket.receive_nothing()
    await bobs.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_opened_after_logout_is_closed_with_4401(redis_layer, alice, room):
    client = Client()
    await sync_to_async(client.force_login)(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    await sync_to_async(client.post)("/accounts/logout/")
    socket = WebsocketCommunicator(
        application, "/ws/chat/general/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    await socket.connect()
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "frame",
    ["not json", "{", "[1, 2]", '"typing"', "null", '{"type": 5}', "\ufffd" * 100],
    ids=["text", "truncated", "list", "string", "null", "wrong-type", "replacement-chars"],
)
async def test_malformed_frames_are_ignored_and_logged(redis_layer, alice, room, frame):
    client = Client()
    await sync_to_async(client.force_login)(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketCommunicator(
        application, "/ws/chat/general/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    assert (await socket.connect())[0]
    logged = LogWatch(count=2)
    logger = logging.getLogger("rooms.consumers")
    logger.addHandler(logged)
    try:
        await socket.send_to(text_data=frame)
        await socket.send_to(bytes_data=b"\xff\xfe binary")
        async with asyncio.timeout(30):
            await logged.done.wait()
    finally:
        logger.removeHandler(logged)
    assert all(record.levelno == logging.INFO for record in logged.records)
    # The socket still delivers.
    message = await sync_to_async(post_message)(room, alice, "still here")
    await next_frame_with(socket, f'id="message-{message.pk}"')
    assert await sync_to_async(Message.objects.count)() == 1
    await socket.disconnect()
