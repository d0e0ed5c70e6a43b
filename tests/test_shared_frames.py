"""A text frame is encoded once for every socket it goes to (chatsite.connections'
WebSocketProtocol), in a real uvicorn: each socket still gets exactly the text sent, at
every length the frame header encodes differently, and after a close nothing more. And an
open socket holds no more than it needs (bench/README.md, run N)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from support.asgi import AsgiServer, server_env
from tests.frames_asgi import text_of

# Lengths around the frame header's three forms (7-bit, 16-bit, 64-bit payload length).
SIZES = [0, 1, 125, 126, 127, 65535, 65536, 200_000]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[AsgiServer]:
    log = tmp_path_factory.mktemp("frames") / "server.log"
    env = server_env(DJANGO_SETTINGS_MODULE="chatsite.settings")  # the protocol reads its bounds
    served = AsgiServer(env=env, app="tests.frames_asgi:application", log_path=log)
    served.start()
    yield served
    served.stop()


async def test_every_socket_gets_the_same_text_at_every_length(server):
    url = server.url.replace("http://", "ws://") + "/"
    async with connect(url, max_size=None) as first, connect(url, max_size=None) as second:
        await first.send(json.dumps(SIZES))
        for socket in (first, second):
            assert [len(await socket.recv()) for _ in SIZES] == SIZES
        await second.send(json.dumps([300, 5]))
        for socket in (first, second):
            assert [await socket.recv() for _ in range(2)] == [text_of(300), text_of(5)]
        await first.close()
        # The one still open goes on; the closed one was skipped, not written to.
        await second.send(json.dumps([7]))
        assert await second.recv() == text_of(7)
    assert "Traceback" not in server.log_text()


async def test_an_open_socket_keeps_neither_its_handshake_nor_asyncios_queue(server):
    url = server.url.replace("http://", "ws://") + "/"
    headers = {"Cookie": "sessionid=" + "x" * 32, "User-Agent": "Mozilla/5.0 " * 20}
    async with connect(url, additional_headers=headers) as socket:
        await socket.send("held")
        held = json.loads(await socket.recv())
        # uvicorn would keep both for good (and websockets' parser the request's headers);
        # if an upgrade renames what is replaced here, this says so.
        assert held == {
            "request": None,
            "parsed": {},
            "response": None,
            "queue": "Inbox",
            "writable": "Flag",
        }
        await socket.send(json.dumps([3]))  # and the socket works on
        assert await socket.recv() == text_of(3)
