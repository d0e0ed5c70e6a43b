"""Rate limits: how often one user may post, type or try to log in.

The counters live where `settings.RATE_LIMIT_STORAGE_URL` says: Redis when REDIS_URL is set,
so every server process shares them, otherwise this process's memory. Limits are written in
the `limits` library's notation ("5/5seconds", "10 per minute") in `settings.RATE_LIMITS`.

A limiter that cannot reach its storage lets the action through and logs the failure: a
Redis outage must not stop people from chatting (flood protection resumes with Redis).
"""

from __future__ import annotations

import functools
import logging
import math
import time
from typing import Any

import redis.exceptions
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from limits import RateLimitItem, parse, storage, strategies

logger = logging.getLogger(__name__)

# Shown to whoever is refused; the views answer HTTP 429 with it.
TOO_MANY_MESSAGES = _("You are sending messages too fast. Wait a few seconds, then send again.")
TOO_MANY_LOGINS = _("Too many failed attempts to log in. Wait a minute, then try again.")

# A Redis that does not answer within this many seconds counts as down.
REDIS_TIMEOUT = 1.0


@functools.cache
def limiter() -> strategies.MovingWindowRateLimiter:
    """The process's limiter; a moving window, so a burst never straddles two windows."""
    url = settings.RATE_LIMIT_STORAGE_URL
    options: dict[str, Any] = {}
    if url.startswith(("redis://", "rediss://")):
        options = {
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
            # A connection that went stale while Redis restarted is reconnected, not an error.
            "retry_on_error": [redis.exceptions.ConnectionError],
        }
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(url, **options))


@functools.cache
def limit(kind: str) -> RateLimitItem:
    return parse(settings.RATE_LIMITS[kind])


def allow(kind: str, key: object, cost: int = 1) -> bool:
    """Count one `kind` action ("post", "typing", "login", ...) by `key`, as `cost` of them
    (an upload of 3 files costs 3); False if over the limit.

    A refused action is not counted, so someone who keeps trying is let in again as soon
    as their earlier actions leave the window.
    """
    try:
        return limiter().hit(limit(kind), kind, str(key), cost=cost)
    except Exception as error:  # noqa: BLE001 - storage down: let it through, say so
        logger.error("Rate limit %s unchecked: %s: %s", kind, type(error).__name__, error)
        return True


def exhausted(kind: str, key: object) -> bool:
    """Whether one more `kind` action by `key` would be refused, without counting one."""
    try:
        return not limiter().test(limit(kind), kind, str(key))
    except Exception as error:  # noqa: BLE001 - storage down: let it through, say so
        logger.error("Rate limit %s unchecked: %s: %s", kind, type(error).__name__, error)
        return False


def retry_after(kind: str, key: object) -> int:
    """Whole seconds until `key` may do one more `kind` action: when the oldest one counted
    leaves the window (what a 429 answer's Retry-After says). At least 1."""
    try:
        reset_at, _remaining = limiter().get_window_stats(limit(kind), kind, str(key))
    except Exception as error:  # noqa: BLE001 - storage down: the next try goes through anyway
        logger.error("Rate limit %s unchecked: %s: %s", kind, type(error).__name__, error)
        return 1
    return max(1, math.ceil(reset_at - time.time()))


# For consumers: the same check without blocking the event loop on Redis.
allow_async = sync_to_async(allow, thread_sensitive=False)


def reset() -> None:
    """Forget every count (tests only: production never forgets a flood)."""
    if limiter.cache_info().currsize:
        try:
            limiter().storage.reset()
        except Exception:  # noqa: BLE001 - a store that cannot be reached holds nothing to forget
            logger.warning("Rate limit store unreachable; nothing to forget")
    limiter.cache_clear()
    limit.cache_clear()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: object) -> None:
    if setting in {"RATE_LIMITS", "RATE_LIMIT_STORAGE_URL"}:
        limiter.cache_clear()
        limit.cache_clear()
