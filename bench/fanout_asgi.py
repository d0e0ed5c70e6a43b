"""Prototype of the design change the benchmark recommends: fan out per process, not per socket.

Production (`rooms.consumers.RoomConsumer`) gives every socket its own channel in the room's
Redis group, so each posted message becomes one channel-layer message per socket: with the
core layer, Redis round trips and a msgpack decode per socket; with either layer, a queue
hop and a consumer dispatch per socket. Here each server process joins a room's group
once, with one channel of its own, and writes the same text to every local consumer's
socket. Sockets are still served by Channels consumers, rooms are still Redis groups, and
`rooms/broadcast.py` is unchanged: it still sends `room.html` to `room-<pk>`.

Serve it like the chat:

    daphne bench.fanout_asgi:application
    uvicorn --ws websockets --ws-per-message-deflate false bench.fanout_asgi:application

Not production code: it lives here so the benchmark can measure it. Its rules for a real
version are in bench/README.md ("Recommendation").
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.urls import path

from chatsite.asgi import serving  # sets Django up; logs which channel layer runs
from rooms.broadcast import FORWARD_HTML
from rooms.models import Room

logger = logging.getLogger("chatsite.fanout")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NO_SUCH_ROOM = 4404


class RoomFanout:
    """This process's sockets per room group, and one channel-layer channel per group."""

    def __init__(self) -> None:
        self.members: dict[str, set[AsyncWebsocketConsumer]] = {}
        self.channels: dict[str, str] = {}
        self.readers: dict[str, asyncio.Task] = {}
        self.lock = asyncio.Lock()

    async def join(self, group: str, consumer: AsyncWebsocketConsumer) -> None:
        """Subscribe the process to `group` if needed, then accept and add the socket."""
        async with self.lock:
            if group not in self.channels:
                layer = get_channel_layer()
                channel = await layer.new_channel()
                await layer.group_add(group, channel)
                self.channels[group] = channel
                self.members[group] = set()
                self.readers[group] = asyncio.create_task(self.read(group, channel))
            # The group is joined before the socket opens (as RoomConsumer does), so a page
            # that opens and then catches up misses nothing.
            await consumer.accept()
            self.members[group].add(consumer)

    async def leave(self, group: str, consumer: AsyncWebsocketConsumer) -> None:
        async with self.lock:
            members = self.members.get(group)
            if members is None:
                return
            members.discard(consumer)
            if not members:
                del self.members[group]
                self.readers.pop(group).cancel()
                await get_channel_layer().group_discard(group, self.channels.pop(group))

    async def read(self, group: str, channel: str) -> None:
        layer = get_channel_layer()
        while True:
            message = await layer.receive(channel)
            if message.get("type") != FORWARD_HTML:
                continue
            frame = {"type": "websocket.send", "text": message["html"]}
            members = self.members.get(group, set())
            for consumer in list(members):
                try:
                    await consumer.base_send(frame)
                except Exception as error:  # noqa: BLE001 - one socket must not stop the room
                    # Most often a socket that closed before its disconnect handler ran.
                    members.discard(consumer)
                    logger.info("Dropped a socket of %s: %s", group, error)


fanout = RoomFanout()


@database_sync_to_async
def find_room(name: str) -> Room | None:
    return Room.objects.filter(name__iexact=name).first()


class FanoutRoomConsumer(AsyncWebsocketConsumer):
    """RoomConsumer's contract (auth, close codes, room look-up) without a channel per socket."""

    channel_layer_alias = None  # the process's RoomFanout receives for every socket
    group_name: str | None = None

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        room = await find_room(self.scope["url_route"]["kwargs"]["name"])
        if room is None:
            await self.accept()
            await self.close(code=CLOSE_NO_SUCH_ROOM)
            return
        self.group_name = room.group_name
        await fanout.join(self.group_name, self)

    async def disconnect(self, code: int) -> None:
        if self.group_name:
            await fanout.leave(self.group_name, self)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """Pages only listen."""


application = serving([path("ws/chat/<str:name>/", FanoutRoomConsumer.as_asgi())])
