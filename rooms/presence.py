"""Who has a socket open in which room, counted across every server process.

With Redis, each room is a sorted set of (socket, user) entries scored by when they
expire. Every process refreshes its own entries on a heartbeat, so the entries of a
process that died without cleaning up expire and are pruned by the processes still alive.
Without Redis (the in-memory channel layer) there is one process, and a dict does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import redis.asyncio as redis
from django.conf import settings

from rooms import broadcast, visibility

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """Who is in a room. Versions grow with every snapshot taken, so a page can drop one
    that reaches it after a newer one (broadcasts from two processes may cross)."""

    version: int
    usernames: list[str]


# Called with a room's id when who is in it changed (the heartbeat pruned its entries, say).
OnChanged = Callable[[int], Awaitable[None]]
# join or leave: (room id, socket key, username).
Change = Callable[[int, str, str], Awaitable[None]]


def entry(socket_key: str, username: str) -> str:
    # Socket keys and usernames never contain a space.
    return f"{socket_key} {username}"


def usernames(entries: list[str] | set[str]) -> list[str]:
    return sorted({item.split(" ", 1)[1] for item in entries}, key=str.casefold)


@dataclass
class MemoryPresence:
    rooms: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    versions: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    async def join(self, room_id: int, socket_key: str, username: str) -> None:
        self.rooms[room_id].add(entry(socket_key, username))

    async def leave(self, room_id: int, socket_key: str, username: str) -> None:
        self.rooms[room_id].discard(entry(socket_key, username))

    async def snapshot(self, room_id: int) -> Snapshot:
        self.versions[room_id] += 1
        return Snapshot(self.versions[room_id], usernames(self.rooms[room_id]))

    async def present(self, room_id: int) -> list[str]:
        return usernames(self.rooms[room_id])

    async def set_visible(self, room_id: int, user_id: int, socket_key: str, shown: bool) -> None:
        pass  # one process, and no other to ask (rooms/visibility.py)


@dataclass
class RedisPresence:
    url: str
    ttl: float
    heartbeat: float
    on_pruned: OnChanged | None = None
    # This process's own entries, refreshed on every heartbeat.
    local: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    # This process's visible pages (rooms/visibility.py): (room id, user id) -> socket keys.
    visible: dict[tuple[int, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    _clients: WeakKeyDictionary = field(default_factory=WeakKeyDictionary)
    _heartbeat_task: asyncio.Task | None = None

    def key(self, room_id: int) -> str:
        return f"presence:room:{room_id}"

    def version_key(self, room_id: int) -> str:
        return f"presence:room:{room_id}:version"

    def client(self) -> redis.Redis:
        # A client belongs to one event loop.
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            # Sized like the channel layer's pool: every socket that opens takes a connection.
            self._clients[loop] = redis.Redis.from_url(
                self.url, decode_responses=True, max_connections=settings.REDIS_MAX_CONNECTIONS
            )
        return self._clients[loop]

    # A join or a leave is one command: who is in the room is read only when a snapshot is
    # sent (at most once per room and PRESENCE_INTERVAL), not by every socket that opens
    # or closes, which read a room of N people N times as it filled or emptied.
    async def join(self, room_id: int, socket_key: str, username: str) -> None:
        item = entry(socket_key, username)
        self.local[room_id].add(item)
        self._ensure_heartbeat()
        await self.client().zadd(self.key(room_id), {item: time.time() + self.ttl})

    async def leave(self, room_id: int, socket_key: str, username: str) -> None:
        item = entry(socket_key, username)
        self.local[room_id].discard(item)
        if not self.local[room_id]:
            del self.local[room_id]
        await self.client().zrem(self.key(room_id), item)

    async def set_visible(self, room_id: int, user_id: int, socket_key: str, shown: bool) -> None:
        """Whether this socket's page is visible; kept alive by the heartbeat while it is."""
        pages = self.visible[(room_id, user_id)]
        pipe = self.client().pipeline()
        if shown:
            pages.add(socket_key)
            self._ensure_heartbeat()
            visibility.extend(pipe, room_id, user_id, [socket_key], self.ttl)
        else:
            pages.discard(socket_key)
            if not pages:
                del self.visible[(room_id, user_id)]
            pipe.zrem(visibility.key(room_id, user_id), socket_key)
        await pipe.execute()

    async def present(self, room_id: int) -> list[str]:
        pipe = self.client().pipeline()
        pipe.zremrangebyscore(self.key(room_id), "-inf", time.time())
        pipe.zrange(self.key(room_id), 0, -1)
        _, entries = await pipe.execute()
        return usernames(entries)

    async def snapshot(self, room_id: int) -> Snapshot:
        # One MULTI/EXEC: the version and the membership it describes are read together.
        pipe = self.client().pipeline()
        pipe.zremrangebyscore(self.key(room_id), "-inf", time.time())
        pipe.zrange(self.key(room_id), 0, -1)
        pipe.incr(self.version_key(room_id))
        *_, entries, version = await pipe.execute()
        return Snapshot(version, usernames(entries))

    async def refresh(self) -> None:
        """Extend this process's entries and prune every room it serves of expired ones."""
        now = time.time()
        pipe = self.client().pipeline()
        rooms = list(self.local)
        for room_id in rooms:
            pipe.zadd(self.key(room_id), dict.fromkeys(self.local[room_id], now + self.ttl))
            pipe.zremrangebyscore(self.key(room_id), "-inf", now)
        for (room_id, user_id), pages in self.visible.items():  # after: results keep their places
            visibility.extend(pipe, room_id, user_id, pages, self.ttl)
        results = await pipe.execute()
        for index, room_id in enumerate(rooms):
            if results[2 * index + 1] and self.on_pruned is not None:
                await self.on_pruned(room_id)

    def _ensure_heartbeat(self) -> None:
        if self._heartbeat_task is None or self._heartbeat_task.done():
            self._heartbeat_task = asyncio.get_running_loop().create_task(self._beat())

    async def _beat(self) -> None:
        while self.local:
            await asyncio.sleep(self.heartbeat)
            await self.refresh()


class Coalescer:
    """At most one presence broadcast per room every `interval` seconds from this process.

    The first change goes out at once; later ones in the interval wait for its end, and one
    snapshot, read then, tells of them all. A room of a thousand pages opening at once
    would otherwise send each page's list of up to a thousand names to every page: a
    million frames.
    """

    def __init__(self, interval: float, send: OnChanged) -> None:
        self.interval = interval
        self.send = send
        self.pending: set[int] = set()  # rooms changed during their quiet interval
        self.quiet: dict[int, asyncio.Task] = {}

    async def changed(self, room_id: int) -> None:
        if room_id in self.quiet:
            self.pending.add(room_id)
            return
        self.quiet[room_id] = asyncio.get_running_loop().create_task(self._quiet(room_id))
        await self.send(room_id)

    async def _quiet(self, room_id: int) -> None:
        try:
            while True:
                await asyncio.sleep(self.interval)
                if room_id not in self.pending:
                    return
                self.pending.discard(room_id)
                await self.send(room_id)
        finally:
            del self.quiet[room_id]


_coalescers: WeakKeyDictionary[asyncio.AbstractEventLoop, Coalescer] = WeakKeyDictionary()


async def announce(room_id: int) -> None:
    """Tell the room's pages who is here now, coalesced (Coalescer)."""
    loop = asyncio.get_running_loop()
    if loop not in _coalescers:
        _coalescers[loop] = Coalescer(settings.PRESENCE_INTERVAL, send_snapshot)
    await _coalescers[loop].changed(room_id)


async def send_snapshot(room_id: int) -> None:
    """Read who is in the room now and send it to the room's pages; best-effort, bounded
    (with Redis down, redis-py retries for a long while)."""
    try:
        async with asyncio.timeout(settings.PRESENCE_TIMEOUT):
            snapshot = await store().snapshot(room_id)
    except Exception as error:  # noqa: BLE001 - presence is best-effort; chat goes on
        logger.error("Presence snapshot failed: %s: %s", type(error).__name__, error)
        return
    await broadcast.presence_changed(room_id, snapshot)


_store: MemoryPresence | RedisPresence | None = None


def store() -> MemoryPresence | RedisPresence:
    """The process's presence store, chosen by settings.REDIS_URL."""
    global _store
    url = settings.REDIS_URL
    if _store is None or getattr(_store, "url", "") != url:
        if url:
            heartbeat = settings.PRESENCE_HEARTBEAT
            _store = RedisPresence(url, settings.PRESENCE_TTL, heartbeat, announce)
        else:
            _store = MemoryPresence()
    return _store
