"""The ceiling: a bare asyncio `websockets` broadcast server, no Django, no Channels.

Each process subscribes once (Redis pub/sub, one pattern for every room) and writes the
same bytes to all its local sockets in the room with `websockets.broadcast`. A message comes
in as text on `/ws/post/<room>/` and is published once. No auth, no storage, no rendering:
this is as cheap as fan-out gets in Python on this machine.

    python -m bench.ceiling --port 8001 --redis redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, broadcast, serve

CHANNEL_PREFIX = "ceiling-room:"


class Rooms:
    def __init__(self, redis_url: str) -> None:
        self.redis = aioredis.from_url(redis_url)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.local: dict[str, set[ServerConnection]] = {}

    def join(self, room: str, socket: ServerConnection) -> None:
        self.local.setdefault(room, set()).add(socket)

    def leave(self, room: str, socket: ServerConnection) -> None:
        sockets = self.local.get(room, set())
        sockets.discard(socket)
        if not sockets:
            self.local.pop(room, None)

    async def forward(self) -> None:
        await self.pubsub.psubscribe(CHANNEL_PREFIX + "*")
        while True:
            message = await self.pubsub.get_message(timeout=1.0)
            if message is None:
                continue
            room = message["channel"].decode()[len(CHANNEL_PREFIX) :]
            broadcast(self.local.get(room, ()), message["data"].decode())

    async def handler(self, socket: ServerConnection) -> None:
        parts = socket.request.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "ws" or parts[1] not in ("chat", "post"):
            await socket.close(4404)
            return
        room = parts[2]
        if parts[1] == "post":
            async for text in socket:
                await self.redis.publish(CHANNEL_PREFIX + room, text)
            return
        self.join(room, socket)
        try:
            await socket.wait_closed()
        finally:
            self.leave(room, socket)


async def main(port: int, redis_url: str) -> None:
    rooms = Rooms(redis_url)
    forwarder = asyncio.create_task(rooms.forward())
    async with serve(
        rooms.handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=4096
    ) as server:
        try:
            await server.serve_forever()
        finally:
            forwarder.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    arguments = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        uvloop = None
    with contextlib.suppress(KeyboardInterrupt):
        if uvloop is not None:
            uvloop.run(main(arguments.port, arguments.redis))
        else:
            asyncio.run(main(arguments.port, arguments.redis))
