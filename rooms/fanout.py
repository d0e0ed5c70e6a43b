"""Each server process listens to a group once and writes what arrives to its own sockets.

A room with a thousand open pages is still a channel-layer group, but its members are the
server processes that serve those pages, not the pages: one layer channel per process
joins every group any of its sockets is in, so a broadcast costs one layer message per
process, and the process writes the same text to each local socket. A channel per socket
(Channels' usual design) costs a layer message, a queue hop and a consumer dispatch per
socket; bench/README.md has the numbers.

The reader never waits for a socket: each has its own bounded outbox (rooms/outbox.py),
and one that falls behind is closed with 3012 (it reconnects and catches up). Sockets are
still Channels consumers: they authenticate, join and leave here, and handle the rare
events that are not HTML (logging out, losing access) in their own methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from rooms import layer_adapter, protocol
from rooms.outbox import Item, Listener, Outbox, close_within, item_of
from rooms.protocol import CLOSE_RECONNECT, HEARTBEAT
from rooms.watchdog import Watchdog

logger = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class Socket:
    listener: Listener
    groups: tuple[str, ...]
    outbox: Outbox


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
        # Restarts and closes under way, held here so that they are not collected.
        self.pending: set[asyncio.Task] = set()
        self.watchdog = Watchdog(settings.FANOUT_HEARTBEAT)

    async def join(self, listener: Listener, groups: tuple[str, ...]) -> None:
        """Listen to `groups` for `listener`; raises if the channel layer is down.

        Events start to count from here, before the socket opens (`open`), so a page that
        catches up once it is open misses nothing in between.
        """
        async with self.lock:
            if self.channel is None:
                await self._start()
            outbox = Outbox(
                listener, settings.FANOUT_SOCKET_MAX_FRAMES, settings.FANOUT_SOCKET_MAX_BYTES
            )
            self.sockets[listener] = Socket(listener, groups, outbox)
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
        if socket is None or socket.outbox.closed:
            return  # closed meanwhile, by a restart or for falling behind: the page retries
        await listener.accept()
        socket.outbox.start()

    async def leave(self, listener: Listener) -> None:
        async with self.lock:
            await self._remove(listener)

    def forget(self, listener: Listener) -> None:
        """Send `listener` nothing more (it is closing); `leave` still follows."""
        socket = self.sockets.get(listener)
        if socket is not None:
            socket.outbox.discard()
            for group in socket.groups:
                self.groups.get(group, set()).discard(listener)

    async def _remove(self, listener: Listener) -> None:
        socket = self.sockets.pop(listener, None)
        if socket is None:
            return
        socket.outbox.discard()
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
        layer_adapter.bound_queue(
            self.layer, channel, settings.FANOUT_CHANNEL_CAPACITY, self._overflowed
        )
        heartbeat_group = protocol.heartbeat_group()
        await self.layer.group_add(heartbeat_group, channel)
        self.channel, self.heartbeat_group = channel, heartbeat_group
        self.watchdog = Watchdog(settings.FANOUT_HEARTBEAT)
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._read()), loop.create_task(self._watch())]
        # The pub/sub layer resubscribes by itself after its connection drops, silently,
        # and what was published meanwhile is gone: take any reconnect as a loss.
        layer_adapter.on_reconnect(self.layer, self._resubscribed)

    def _resubscribed(self, connection: object) -> None:
        self._restart_soon("the pub/sub connection dropped and resubscribed")

    def _overflowed(self) -> None:
        capacity = settings.FANOUT_CHANNEL_CAPACITY
        self._restart_soon(f"fell behind: {capacity} events queued (FANOUT_CHANNEL_CAPACITY)")

    def _restart_soon(self, reason: str) -> None:
        if self.channel is not None:
            self._spawn(self._restart(reason))

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _read(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except Exception as error:  # noqa: BLE001 - any failure means we may have missed some
                await self._restart(f"{type(error).__name__}: {error}")
                return
            if event["type"] == HEARTBEAT:
                lost = self.watchdog.heard_beat(event["beat"])
                if lost:
                    await self._restart(lost)
                    return
                continue
            self.watchdog.heard_other()
            members = self.groups.get(event.get("group", ""))
            if members:
                self._send_to(members, item_of(event))

    def _send_to(self, members: set[Listener], item: Item) -> None:
        """Hand `item` to every socket in `members`; never waits (rooms/outbox.py)."""
        for listener in list(members):  # a handler may leave the group meanwhile
            socket = self.sockets.get(listener)
            if socket is not None and not socket.outbox.put(item):
                self._fell_behind(socket)

    def _fell_behind(self, socket: Socket) -> None:
        outbox = socket.outbox
        logger.warning(
            "Socket %s fell behind (%d frames, %d bytes waiting): closed with %d to catch up",
            socket.listener,
            len(outbox.queue or ()),
            outbox.size,
            CLOSE_RECONNECT,
        )
        self.forget(socket.listener)
        self._spawn(close_within(socket.listener, CLOSE_RECONNECT))

    async def _watch(self) -> None:
        """Send this process a numbered heartbeat through its own group; restart when the
        watchdog (rooms/watchdog.py) says the layer is lost.

        Redis may lose our groups (a restart, a failover, a group that expired) or drop
        what was published while a connection was down, without any read failing: then
        the sockets reconnect and catch up.
        """
        loop = asyncio.get_running_loop()
        interval = self.watchdog.interval
        while True:
            slept_from = loop.time()
            await asyncio.sleep(interval)
            lost = self.watchdog.tick(loop.time() - slept_from)
            if lost:
                await self._restart(lost)
                return
            event = {"type": HEARTBEAT, "group": self.heartbeat_group}
            try:
                await self.layer.group_send(
                    self.heartbeat_group, {**event, "beat": self.watchdog.beat()}
                )
            except Exception as error:  # noqa: BLE001
                await self._restart(f"heartbeat not sent: {type(error).__name__}: {error}")
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
            socket.outbox.discard()
            # Each on its own: a socket that does not read must not delay the others.
            self._spawn(close_within(socket.listener, CLOSE_RECONNECT))
        # Best effort, so the layer stops sending to a channel nobody reads; with Redis
        # down this fails, and the entries expire.
        for group in groups:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.layer.group_discard(group, channel), timeout=5)


_fanouts: WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout] = WeakKeyDictionary()


def fanout() -> Fanout:
    """This event loop's fan-out on the current channel layer."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    current = _fanouts.get(loop)
    if current is None or current.layer is not layer:
        current = _fanouts[loop] = Fanout(layer)
    return current
