"""Each server process listens to a group once and writes what arrives to its own sockets.

A room with a thousand open pages is still a channel-layer group, but its members are the
server processes that serve those pages, not the pages: one layer channel per process
joins every group any of its sockets is in, so a broadcast costs one layer message per
process, and the process writes the same text to each local socket. A channel per socket
(Channels' usual design) costs a layer message, a queue hop and a consumer dispatch per
socket; bench/README.md has the numbers.

Sockets are still Channels consumers: they authenticate, join and leave here, and handle
the rare events that are not HTML (logging out, losing access) in their own methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from channels.consumer import get_handler_name
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from rooms import protocol
from rooms.protocol import CLOSE_RECONNECT, HEARTBEAT

logger = logging.getLogger(__name__)


class Listener(Protocol):
    """What the fan-out needs of a consumer (rooms.consumers.FragmentConsumer)."""

    async def accept(self) -> None: ...
    async def base_send(self, message: dict[str, Any]) -> None: ...
    async def close(self, code: int | None = None) -> None: ...


@dataclass(eq=False)
class Socket:
    listener: Listener
    groups: tuple[str, ...]
    # Events for a socket that is not open yet wait here, in order.
    waiting: list[dict[str, Any]] | None = field(default_factory=list)


class Fanout:
    """One process's (one event loop's) subscriptions, and the sockets behind each."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.heartbeat_group = ""
        self.groups: dict[str, set[Listener]] = {}
        self.sockets: dict[Listener, Socket] = {}
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []
        self.restarting: set[asyncio.Task] = set()
        # When the last heartbeat, and the last event of any kind, came in.
        self.heard_at = self.received_at = time.monotonic()

    async def join(self, listener: Listener, groups: tuple[str, ...]) -> None:
        """Listen to `groups` for `listener`; raises if the channel layer is down.

        Events start to count from here, before the socket opens (`open`), so a page that
        catches up once it is open misses nothing in between.
        """
        async with self.lock:
            if self.channel is None:
                await self._start()
            self.sockets[listener] = Socket(listener, groups)
            try:
                for group in groups:
                    if group not in self.groups:
                        await self.layer.group_add(group, self.channel)
                        self.groups[group] = set()
                    self.groups[group].add(listener)
            except BaseException:
                await self._remove(listener)
                raise

    async def open(self, listener: Listener) -> None:
        """Accept the socket, then send it what arrived since it joined."""
        socket = self.sockets.get(listener)
        if socket is None:
            return  # closed by a restart meanwhile (_restart): the page will try again
        await listener.accept()
        while socket.waiting:
            event = socket.waiting.pop(0)
            await self._deliver(socket, event, frame_of(event))
        socket.waiting = None

    async def leave(self, listener: Listener) -> None:
        async with self.lock:
            await self._remove(listener)

    def forget(self, listener: Listener) -> None:
        """Send `listener` nothing more (it is closing); `leave` still follows."""
        socket = self.sockets.get(listener)
        if socket is not None:
            for group in socket.groups:
                self.groups.get(group, set()).discard(listener)

    async def _remove(self, listener: Listener) -> None:
        socket = self.sockets.pop(listener, None)
        if socket is None:
            return
        for group in socket.groups:
            members = self.groups.get(group)
            if members is None:
                continue
            members.discard(listener)
            if not members:
                del self.groups[group]
                try:
                    await self.layer.group_discard(group, self.channel)
                except Exception as error:  # noqa: BLE001 - the layer drops it on expiry
                    logger.warning("Could not leave %s: %s: %s", group, type(error).__name__, error)

    async def _start(self) -> None:
        channel = await self.layer.new_channel()
        heartbeat_group = protocol.heartbeat_group()
        await self.layer.group_add(heartbeat_group, channel)
        self.channel, self.heartbeat_group = channel, heartbeat_group
        self.heard_at = self.received_at = time.monotonic()
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._read()), loop.create_task(self._watch())]
        self._hear_of_resubscribing()

    def _hear_of_resubscribing(self) -> None:
        """The pub/sub layer's connection resubscribes by itself after it drops, silently,
        and what was published meanwhile is gone: take any reconnect as a loss."""
        pubsub_layer = getattr(self.layer, "_get_layer", None)  # RedisPubSubChannelLayer
        if pubsub_layer is None:
            return  # the core layer keeps each channel's events in Redis until read
        for shard in pubsub_layer()._shards:
            connection = getattr(shard._pubsub, "connection", None)
            if connection is not None:
                # Held weakly by redis-py; registering twice keeps one.
                connection.register_connect_callback(self._resubscribed)

    def _resubscribed(self, connection: object) -> None:
        if self.channel is not None:
            task = asyncio.get_running_loop().create_task(
                self._restart("the pub/sub connection dropped and resubscribed")
            )
            self.restarting.add(task)
            task.add_done_callback(self.restarting.discard)

    async def _read(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except Exception as error:  # noqa: BLE001 - any failure means we may have missed some
                await self._restart(f"{type(error).__name__}: {error}")
                return
            self.received_at = time.monotonic()
            members = self.groups.get(event.get("group", ""))
            if event["type"] == HEARTBEAT:
                self.heard_at = self.received_at
            elif members:
                await self._send_to(members, event)

    async def _send_to(self, members: set[Listener], event: dict[str, Any]) -> None:
        frame = frame_of(event)  # one for every socket: the server only reads it
        for listener in list(members):
            socket = self.sockets.get(listener)
            if socket is None:
                continue
            if socket.waiting is not None:
                socket.waiting.append(event)
            else:
                await self._deliver(socket, event, frame)

    async def _deliver(
        self, socket: Socket, event: dict[str, Any], frame: dict[str, Any] | None
    ) -> None:
        try:
            if frame is not None:
                await socket.listener.base_send(frame)
                return
            handler = getattr(socket.listener, get_handler_name(event), None)
            if handler is None:
                return
            await handler(event)
        except Exception as error:  # noqa: BLE001 - one socket must not stop the others
            # Most often a socket that closed before its consumer heard of it.
            logger.info("Could not send %s: %s: %s", event["type"], type(error).__name__, error)

    async def _watch(self) -> None:
        """Send this process a heartbeat through its own group, and restart without it.

        Redis may lose our groups (a restart, a failover, a group that expired) or drop
        what was published while a connection was down, without any read failing: no
        heartbeat means we may have missed something, so the sockets reconnect and catch up.
        A busy process is not a lost one: while events keep coming in, a late heartbeat is
        only queued behind them, and closing every socket would make the load worse.
        """
        interval = settings.FANOUT_HEARTBEAT
        while True:
            slept_from = time.monotonic()
            await asyncio.sleep(interval)
            if time.monotonic() - slept_from > 2 * interval:
                # The loop itself was stalled: the reader has had no chance to read either.
                continue
            event = {"type": HEARTBEAT, "group": self.heartbeat_group}
            try:
                await self.layer.group_send(self.heartbeat_group, event)
            except Exception as error:  # noqa: BLE001
                await self._restart(f"heartbeat not sent: {type(error).__name__}: {error}")
                return
            now = time.monotonic()
            if now - self.heard_at > 3 * interval and now - self.received_at > interval:
                await self._restart(f"no heartbeat for {now - self.heard_at:.1f} s")
                return

    async def _restart(self, reason: str) -> None:
        """Close every socket with 3012: each page reconnects, joins anew and catches up."""
        async with self.lock:
            if self.channel is None:
                return  # restarted already, for the same loss
            current = asyncio.current_task()
            for task in self.tasks:
                if task is not current:
                    task.cancel()
            sockets = list(self.sockets.values())
            groups = [*self.groups, self.heartbeat_group]
            channel = self.channel
            self.channel, self.groups, self.sockets, self.tasks = None, {}, {}, []
        logger.error("Channel layer lost (%s): reconnecting %d sockets", reason, len(sockets))
        for socket in sockets:
            with contextlib.suppress(Exception):  # closed already
                await socket.listener.close(CLOSE_RECONNECT)
        # Best effort, so the layer stops sending to a channel nobody reads; with Redis
        # down this fails, and the entries expire.
        for group in groups:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.layer.group_discard(group, channel), timeout=5)


def frame_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The ASGI message that writes an HTML event to a socket; None for other events."""
    if event["type"] != protocol.HTML:
        return None
    return {"type": "websocket.send", "text": event["html"]}


_fanouts: WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout] = WeakKeyDictionary()


def fanout() -> Fanout:
    """This event loop's fan-out on the current channel layer."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    current = _fanouts.get(loop)
    if current is None or current.layer is not layer:
        current = _fanouts[loop] = Fanout(layer)
    return current
