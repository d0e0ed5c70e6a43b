"""Who is looking at a room right now: a page that is open on it and visible (not a
background tab, not minimised), as the page tells its socket (rooms/consumers.py). Web push
(push/) asks before sending, so nobody is pushed what is on their screen already.

With Redis, one sorted set per (room, person) of their visible pages' socket keys, scored by
expiry: each server process refreshes its own with presence's heartbeat (rooms/presence.py),
so the records of a process that died expire by themselves, and a closed page's goes at once.
Without Redis there is one server process and no other can ask: nobody counts as looking.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


def key(room_id: int, user_id: int) -> str:
    return f"presence:visible:{room_id}:{user_id}"


def extend(pipe, room_id: int, user_id: int, socket_keys: Iterable[str], ttl: float) -> None:
    """Queue on `pipe` (a Redis pipeline) that these pages stay visible for `ttl` seconds."""
    name = key(room_id, user_id)
    pipe.zadd(name, dict.fromkeys(socket_keys, time.time() + ttl))
    pipe.expire(name, max(1, round(ttl)))


def people_looking(room_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` have a visible page open on the room (synchronous: the task
    worker asks). Redis unreachable: nobody, so pushes still go (logged)."""
    ids = list(user_ids)
    if not settings.REDIS_URL or not ids:
        return set()
    now = time.time()
    try:
        with redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        ) as client:
            pipe = client.pipeline(transaction=False)
            for user_id in ids:
                pipe.zcount(key(room_id, user_id), now, "+inf")
            counts = pipe.execute()
    except redis.RedisError as error:
        logger.warning("Could not tell who is looking at room %s: %s", room_id, error)
        return set()
    return {user_id for user_id, count in zip(ids, counts, strict=True) if count}
