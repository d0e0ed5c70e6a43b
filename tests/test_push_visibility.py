"""Who is looking at a room, as web push asks (rooms/visibility.py): the records a server
process keeps in a real redis-server for its visible pages, refreshed by its heartbeat,
expired when the process is gone, and read by the task worker."""

from __future__ import annotations

import socket
import time

from rooms.presence import RedisPresence
from rooms.visibility import people_looking
from support.processes import LOOPBACK


async def test_a_page_counts_while_it_says_it_is_visible(redis, settings):
    settings.REDIS_URL = redis.url
    process = RedisPresence(redis.url, ttl=30, heartbeat=3600)
    await process.join(3, "page-1", "alice")
    await process.set_visible(3, 1, "page-1", True)
    await process.set_visible(3, 1, "page-2", True)  # a second tab
    assert people_looking(3, [1, 2]) == {1}
    assert people_looking(4, [1, 2]) == set()  # another room
    await process.set_visible(3, 1, "page-1", False)
    assert people_looking(3, [1, 2]) == {1}  # the other tab still shows the room
    await process.set_visible(3, 1, "page-2", False)
    assert people_looking(3, [1, 2]) == set()
    await process.leave(3, "page-1", "alice")


async def test_a_dead_process_pages_stop_counting_and_a_live_one_keeps_its_own(redis, settings):
    settings.REDIS_URL = redis.url
    dead = RedisPresence(redis.url, ttl=0.3, heartbeat=3600)
    alive = RedisPresence(redis.url, ttl=0.3, heartbeat=3600)
    await dead.join(5, "dead-page", "carol")
    await alive.join(5, "alive-page", "alice")
    await dead.set_visible(5, 3, "dead-page", True)
    await alive.set_visible(5, 1, "alive-page", True)
    dead._heartbeat_task.cancel()  # the dead process never refreshes again
    deadline = time.monotonic() + 10
    while 3 in people_looking(5, [1, 3]):
        assert time.monotonic() < deadline, "the dead process's page never expired"
        await alive.refresh()  # the live process's heartbeat, as often as this loop turns
    assert people_looking(5, [1, 3]) == {1}
    await alive.set_visible(5, 1, "alive-page", False)
    await alive.leave(5, "alive-page", "alice")


def test_without_redis_nobody_counts_as_looking(settings):
    settings.REDIS_URL = ""
    assert people_looking(1, [1, 2]) == set()


def test_an_unreachable_redis_means_nobody_is_looking_and_says_so(settings, caplog):
    with socket.socket() as closed:
        closed.bind((LOOPBACK, 0))
        port = closed.getsockname()[1]
    settings.REDIS_URL = f"redis://{LOOPBACK}:{port}/0"
    assert people_looking(1, [1, 2]) == set()
    assert "Could not tell who is looking at room 1" in caplog.text
