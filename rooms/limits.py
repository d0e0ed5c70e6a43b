"""Caps on open sockets: per person and per client address, counted in each server process.

Per process, not across processes, on purpose. What a socket costs (memory, a file
descriptor, a place in the fan-out's pass) is a cost to the process serving it, so a
per-process cap bounds exactly that, however many processes there are. It needs no Redis
round trip per connect, holds while Redis is down (when pages are all reconnecting at
once) and leaves nothing behind when a process dies; a shared count would need entries
that expire and are refreshed, as presence has, and would refuse everyone, or no one,
without Redis. The price: one person's sockets spread over N processes may number up to
N x the cap in all, each process still bounded.

The address cap is checked first, before the session is read (AddressLimit, outermost on
websockets), so a flood of sockets costs no database query; the person's once the socket
is authenticated (rooms/consumers.py). Either refusal is one log line and close code 4429,
which the page does not retry.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings

from rooms.protocol import CLOSE_TOO_MANY_SOCKETS

logger = logging.getLogger(__name__)

# Per event loop, as the fan-out: a server process has one; tests have one per test.
_open: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Counter]] = WeakKeyDictionary()


def _counts(kind: str) -> Counter:
    return _open.setdefault(asyncio.get_running_loop(), {}).setdefault(kind, Counter())


def claim(kind: str, key: object, limit: int) -> bool:
    """Count one more socket of `key` ("user" 12, "address" "10.0.0.7"), if under `limit`."""
    counts = _counts(kind)
    if counts[key] >= limit:
        return False
    counts[key] += 1
    return True


def release(kind: str, key: object) -> None:
    counts = _counts(kind)
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]


def count(kind: str, key: object) -> int:
    return _counts(kind)[key]


async def refuse(send: Any, code: int) -> None:
    """End a socket with an application close code: accepted first, since a refused
    handshake reaches the browser as 1006, which the page retries."""
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code})


def client_address(scope: dict[str, Any]) -> str:
    """The client's address (X-Forwarded-For's, with uvicorn's --proxy-headers)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class AddressLimit:
    """ASGI middleware: at most SOCKETS_PER_ADDRESS sockets open per client address."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        address = client_address(scope)
        limit = settings.SOCKETS_PER_ADDRESS
        if not claim("address", address, limit):
            logger.warning(
                "Socket refused: %s has %d open in this process (SOCKETS_PER_ADDRESS)",
                address,
                limit,
            )
            if (await receive())["type"] == "websocket.connect":
                await refuse(send, CLOSE_TOO_MANY_SOCKETS)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            release("address", address)
