"""Presence and typing, over real sockets and a real redis-server."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

import pytest
from channels.testing import WebsocketCommunicator
from django.db.backends.utils import CursorWrapper

from rooms import presence
from rooms.presence import Coalescer, MemoryPresence, RedisPresence, Snapshot

pytestmark = pytest.mark.django_db(transaction=True)

TYPING = json.dumps({"type": "typing"})


PRESENCE = re.compile(
    r'^<div hx-swap-oob="merge:.room-header"><div id="presence" class="presence" '
    r'data-version="(\d+)">'
)


def presence_of(frame: str) -> tuple[int, list[str]] | None:
    """(version, usernames) of a presence frame, None for any other frame."""
    if (match := PRESENCE.match(frame)) is None:
        return None
    # Each person's item: their avatar, then their name (tests/test_people.py has the markup).
    return int(match[1]), re.findall(r"<li[^>]*>(?:<[^>]*>)*([^<]*)</li>", frame)


async def next_presence(socket: WebsocketCommunicator) -> list[str]:
    snapshot = presence_of(await socket.receive_from())
    assert snapshot is not None
    return snapshot[1]


async def connect(socket: WebsocketCommunicator) -> None:
    """Connect, and wait for the socket's own join to be announced to it."""
    assert (await socket.connect())[0]
    while presence_of(await socket.receive_from()) is None:
        pass


async def test_joins_and_leaves_reach_every_socket(redis_layer, socket_for, room, alice, bob):
    alice_socket, bob_socket = socket_for(alice, "general"), socket_for(bob, "general")
    await alice_socket.connect()
    assert await next_presence(alice_socket) == ["alice"]
    await bob_socket.connect()
    assert await next_presence(alice_socket) == ["alice", "bob"]
    assert await next_presence(bob_socket) == ["alice", "bob"]
    await bob_socket.disconnect()
    assert await next_presence(alice_socket) == ["alice"]
    await alice_socket.disconnect()


async def test_a_user_with_two_sockets_is_listed_once_until_both_close(
    redis_layer, socket_for, room, alice, bob
):
    watcher, first, second = (socket_for(user, "general") for user in (bob, alice, alice))
    await connect(watcher)
    await connect(first)
    assert await next_presence(watcher) == ["alice", "bob"]
    await connect(second)
    assert await next_presence(watcher) == ["alice", "bob"]
    await first.disconnect()
    assert await next_presence(watcher) == ["alice", "bob"]
    await second.disconnect()
    assert await next_presence(watcher) == ["bob"]
    await watcher.disconnect()


async def test_presence_is_shared_by_processes_through_redis(redis_layer):
    # Two stores are two server processes, each with its own Redis connection.
    first = RedisPresence(redis_layer, ttl=30, heartbeat=10)
    second = RedisPresence(redis_layer, ttl=30, heartbeat=10)
    await first.join(1, "specific.a!1", "alice")
    assert await second.snapshot(1) == Snapshot(1, ["alice"])
    await second.join(1, "specific.b!1", "bob")
    assert await first.snapshot(1) == Snapshot(2, ["alice", "bob"])
    assert await first.present(1) == ["alice", "bob"]
    await second.join(2, "specific.b!2", "bob")
    assert await first.snapshot(2) == Snapshot(1, ["bob"])
    await first.leave(1, "specific.a!1", "alice")
    assert await second.snapshot(1) == Snapshot(3, ["bob"])
    await second.leave(1, "specific.b!1", "bob")
    await second.leave(2, "specific.b!2", "bob")
    assert [await first.snapshot(1), await first.snapshot(2)] == [Snapshot(4, []), Snapshot(2, [])]


async def test_a_dead_process_entries_expire_and_are_pruned_live(redis_layer):
    pruned: list[int] = []

    async def on_pruned(room_id: int) -> None:
        pruned.append(room_id)

    dead = RedisPresence(redis_layer, ttl=0.2, heartbeat=3600)
    alive = RedisPresence(redis_layer, ttl=30, heartbeat=3600, on_pruned=on_pruned)
    await dead.join(7, "specific.dead!1", "carol")
    await alive.join(7, "specific.alive!1", "alice")
    # The dead process never refreshes; its heartbeat task is gone with it.
    dead._heartbeat_task.cancel()
    deadline = time.monotonic() + 5
    while not pruned and time.monotonic() < deadline:
        await alive.refresh()
    assert pruned == [7]
    assert await alive.snapshot(7) == Snapshot(1, ["alice"])
    assert await alive.present(7) == ["alice"]
    await alive.leave(7, "specific.alive!1", "alice")


async def test_presence_changes_are_sent_at_once_then_at_most_once_per_interval():
    store = MemoryPresence()
    sent: list[tuple[int, Snapshot]] = []

    async def send(room_id: int) -> None:  # as send_snapshot: who is there when it is sent
        sent.append((room_id, await store.snapshot(room_id)))

    coalescer = Coalescer(0.2, send)
    await store.join(1, "a", "alice")
    await coalescer.changed(1)
    assert sent == [(1, Snapshot(1, ["alice"]))]  # a quiet room's first change: at once
    for key, name in [("b", "bob"), ("c", "carol")]:
        await store.join(1, key, name)
        await coalescer.changed(1)
    await store.join(2, "d", "dave")
    await coalescer.changed(2)  # another room is not held back
    assert sent[1:] == [(2, Snapshot(1, ["dave"]))]
    await asyncio.sleep(0.3)
    # At the end of the interval, one snapshot of both changes.
    assert sent[2:] == [(1, Snapshot(2, ["alice", "bob", "carol"]))]
    await asyncio.sleep(0.3)
    assert coalescer.quiet == {}  # nothing new: quiet again, the next change goes at once
    await store.leave(1, "a", "alice")
    await coalescer.changed(1)
    assert sent[3:] == [(1, Snapshot(3, ["bob", "carol"]))]


async def test_a_room_opened_by_many_pages_at_once_is_announced_a_few_times(
    redis_layer, socket_for, room, alice, bob, settings
):
    settings.PRESENCE_INTERVAL = 1
    watcher = socket_for(bob, "general")
    await connect(watcher)
    crowd = [socket_for(alice, "general") for _ in range(20)]
    for socket in crowd:
        assert (await socket.connect())[0]
    # Until the last change has gone out and an interval has passed without another.
    coalescer = presence._coalescers[asyncio.get_running_loop()]
    while coalescer.quiet:  # noqa: ASYNC110 - a condition of this process, polled
        await asyncio.sleep(0.05)
    # Each snapshot sent took the next version: the one after the last sent is this one.
    last_sent = (await presence.store().snapshot(room.pk)).version - 1
    snapshots = []
    while not snapshots or snapshots[-1][0] != last_sent:
        if (snapshot := presence_of(await watcher.receive_from(timeout=5))) is not None:
            snapshots.append(snapshot)
    # 21 joins: the watcher's and the first of the crowd's announced at once, the rest once
    # per interval (not once each), the last after every join.
    assert last_sent < len(crowd) / 2
    assert snapshots[-1][1] == ["alice", "bob"]
    for socket in [watcher, *crowd]:
        await socket.disconnect()


async def test_memory_presence_for_a_single_process():
    store = MemoryPresence()
    await store.join(1, "a", "bob")
    assert await store.snapshot(1) == Snapshot(1, ["bob"])
    await store.join(1, "b", "Alice")
    assert await store.snapshot(1) == Snapshot(2, ["Alice", "bob"])
    await store.leave(1, "a", "bob")
    assert await store.snapshot(1) == Snapshot(3, ["Alice"])
    assert await store.present(2) == []


async def frames_until_version(watcher: WebsocketCommunicator, version: int) -> list[str]:
    """Frames `watcher` receives until the presence snapshot numbered `version`.

    A socket's frames are handled in order and its disconnect comes last, so everything
    its earlier frames caused has been broadcast by the time its leaving is.
    """
    frames = []
    while True:
        frame = await watcher.receive_from()
        snapshot = presence_of(frame)
        if snapshot is not None and snapshot[0] == version:
            return frames
        frames.append(frame)


@pytest.mark.parametrize(
    ("interval", "user_limit", "broadcasts"),
    [
        (3600, "30/10seconds", 1),  # the second frame comes within the socket's interval
        (0, "30/10seconds", 2),  # no interval: each frame is sent on
        (0, "1/hour", 1),  # the user's own limit, across sockets and processes
    ],
)
async def test_typing_reaches_the_room_within_its_limits(
    redis_layer, socket_for, room, alice, bob, settings, interval, user_limit, broadcasts
):
    settings.TYPING_MIN_INTERVAL = interval
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "typing": user_limit}
    alice_socket, bob_socket = socket_for(alice, "general"), socket_for(bob, "general")
    await connect(bob_socket)
    await connect(alice_socket)
    for _ in range(2):
        await alice_socket.send_to(text_data=TYPING)
    await alice_socket.disconnect()
    typing = [f for f in await frames_until_version(bob_socket, 3) if "is typing" in f]
    assert (
        typing
        == [
            f'<div hx-swap-oob="merge:#typing"><li id="typing-{alice.pk}" data-user="{alice.pk}">'
            "alice is typing…</li></div>"
        ]
        * broadcasts
    )
    await bob_socket.disconnect()


async def test_typing_never_touches_the_database(
    redis_layer, socket_for, room, alice, bob, monkeypatch
):
    alice_socket, bob_socket = socket_for(alice, "general"), socket_for(bob, "general")
    await connect(bob_socket)
    await connect(alice_socket)
    await next_presence(bob_socket)
    queries: list[str] = []
    real_execute = CursorWrapper.execute

    def recording_execute(self, sql, params=None):
        queries.append(sql)
        return real_execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", recording_execute)
    await alice_socket.send_to(text_data=TYPING)
    assert "alice is typing" in await bob_socket.receive_from()
    assert queries == []
    monkeypatch.undo()
    for socket in (alice_socket, bob_socket):
        await socket.disconnect()


@pytest.mark.parametrize(
    "frame", ["not json", "[]", '"typing"', '{"type": "room.html", "html": "<p>"}', '{"type": 1}']
)
async def test_unexpected_frames_are_logged_and_ignored(
    redis_layer, socket_for, room, alice, bob, frame, caplog
):
    alice_socket, bob_socket = socket_for(alice, "general"), socket_for(bob, "general")
    await connect(bob_socket)
    await connect(alice_socket)
    await next_presence(bob_socket)
    with caplog.at_level(logging.INFO, logger="rooms.consumers"):
        await alice_socket.send_to(text_data=frame)
        await alice_socket.disconnect()
        frames = await frames_until_version(bob_socket, 3)
    assert frames == []
    ignored = [r.getMessage() for r in caplog.records if r.name == "rooms.consumers"]
    assert len(ignored) == 1
    assert re.match(r"Ignored an unexpected frame from user \d+$", ignored[0])
    await bob_socket.disconnect()
