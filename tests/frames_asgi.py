"""A websocket app for tests/test_shared_frames.py, served by a real uvicorn with the
project's protocol: each text a client asks for goes to every socket open, as one ASGI
message (one dict), the way the fan-out sends a fragment; "held" asks what the socket's
protocol keeps once it is open."""

from __future__ import annotations

import json
from typing import Any

sockets: list[Any] = []


def text_of(size: int) -> str:
    """`size` characters, some of them two bytes in UTF-8."""
    return ("é<p>" * (size // 4 + 1))[:size]


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":  # the test server's readiness check
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ready"})
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    sockets.append(send)
    try:
        while (event := await receive())["type"] == "websocket.receive":
            if event["text"] == "held":
                await send({"type": "websocket.send", "text": json.dumps(held(send))})
                continue
            for size in json.loads(event["text"]):
                message = {"type": "websocket.send", "text": text_of(size)}
                for each in list(sockets):
                    await each(message)
    finally:
        sockets.remove(send)


def held(send: Any) -> dict[str, Any]:
    """What the socket's protocol (`send`'s owner) holds once open."""
    protocol = send.__self__
    return {
        "request": protocol.request and dict(protocol.request.headers),
        # websockets' parser keeps the request it parsed in its frame, for the socket's life.
        "parsed": dict(protocol.conn.parser.gi_frame.f_locals["request"].headers),
        "response": protocol.response and dict(protocol.response.headers),
        "queue": type(protocol.queue).__name__,
        "writable": type(protocol.writable).__name__,
    }
