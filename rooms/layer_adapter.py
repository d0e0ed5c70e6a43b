"""The one place that reaches into channels-redis's private attributes.

The fan-out needs two things of the pub/sub layer that it has no API for: to hear when its
subscriber connection reconnects (what was published meanwhile is gone), and a bound on its
in-process queue (unbounded in channels-redis: a process that falls behind would buffer
for ever). tests/test_layer_adapter.py exercises each against the installed channels-redis,
so an upgrade that changes them fails there, loudly; here a change is logged and the
fan-out goes on without that safeguard rather than refuse every socket.

A broadcast also asks which of its groups anyone listens to, so that a fragment is not
rendered in a language no page is open in (`listened`): the layers have no API for that
either.

Uses, of channels_redis.pubsub: RedisPubSubChannelLayer._get_layer(), and of its
RedisPubSubLoopLayer: `channels` (channel name -> asyncio.Queue, filled with put_nowait by
each shard's reader), `_shards[]._pubsub.connection` (redis-py's, whose
register_connect_callback is public), `_get_group_channel_name`, `_get_shard` and a shard's
`_ensure_redis()` and `_redis`; of channels_redis.core.RedisChannelLayer: `_group_key`,
`consistent_hash` and `connection`; of Channels' InMemoryChannelLayer: `groups`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer

logger = logging.getLogger(__name__)


def pubsub_layer(layer: Any) -> Any | None:
    """The pub/sub layer's half for this event loop; None for any other layer."""
    get_layer = getattr(type(layer), "_get_layer", None)
    return None if get_layer is None else get_layer(layer)


def on_reconnect(layer: Any, callback: Callable[[Any], None]) -> bool:
    """Call `callback(connection)` whenever a pub/sub subscriber connection (re)connects.

    Only for connections open now: call it again after subscribing on a new shard. Nothing
    to do for the core layer, which keeps each channel's events in Redis until read.
    """
    loop_layer = pubsub_layer(layer)
    if loop_layer is None:
        return True
    try:
        for shard in loop_layer._shards:
            connection = shard._pubsub.connection if shard._pubsub is not None else None
            if connection is not None:
                # Held weakly by redis-py; registering twice keeps one.
                connection.register_connect_callback(callback)
    except AttributeError as error:
        return _changed("reconnects of the pub/sub connection go unnoticed", error)
    return True


def bound_queue(layer: Any, channel: str, capacity: int, on_overflow: Callable[[], None]) -> bool:
    """Keep at most `capacity` events queued in-process for `channel`, a new channel of
    this loop's pub/sub layer; past that they are dropped and `on_overflow()` is called
    once. Other layers bound their channels themselves (their `capacity` setting)."""
    loop_layer = pubsub_layer(layer)
    if loop_layer is None:
        return True
    try:
        queue = loop_layer.channels[channel]
        if type(queue) is not asyncio.Queue or not queue.empty():
            raise TypeError(f"the channel's queue is a {type(queue).__name__}, or not new")
        loop_layer.channels[channel] = BoundedQueue(capacity, on_overflow)
    except (AttributeError, KeyError, TypeError) as error:
        return _changed("the pub/sub queue is unbounded", error)
    return True


class BoundedQueue(asyncio.Queue):
    """A channel's queue that drops what comes past `maxsize` rather than raise (the
    layer's reader would log and retry it forever), and says so, once."""

    def __init__(self, maxsize: int, on_overflow: Callable[[], None]) -> None:
        super().__init__(maxsize)
        self.on_overflow = on_overflow
        self.overflowed = False

    def put_nowait(self, item: Any) -> None:
        if not self.full():
            super().put_nowait(item)
        elif not self.overflowed:
            self.overflowed = True
            self.on_overflow()


async def listened(layer: Any, groups: list[str]) -> set[str]:
    """Those of `groups` that some server process listens to now (a socket of its is in
    them). When it cannot tell (Redis down, an unknown layer), all of them: then the send
    fails or reaches nobody, as it would have."""
    try:
        loop_layer = pubsub_layer(layer)
        if loop_layer is not None:
            return await _subscribed(loop_layer, groups)
        if isinstance(layer, RedisChannelLayer):
            return await _with_members(layer, groups)
        if isinstance(layer, InMemoryChannelLayer):
            return {group for group in groups if layer.groups.get(group)}
    except AttributeError as error:
        _changed("every language is rendered, listened to or not", error)
    except Exception as error:  # noqa: BLE001 - the send that follows says what is wrong
        logger.debug("Could not ask who listens: %s: %s", type(error).__name__, error)
    return set(groups)


async def _subscribed(loop_layer: Any, groups: list[str]) -> set[str]:
    """Groups of the pub/sub layer are Redis channels: PUBSUB NUMSUB, once per shard."""
    by_shard: defaultdict[Any, dict[str, str]] = defaultdict(dict)
    for group in groups:
        channel = loop_layer._get_group_channel_name(group)
        by_shard[loop_layer._get_shard(channel)][channel] = group
    listened = set()
    for shard, channels in by_shard.items():
        shard._ensure_redis()
        for channel, count in await shard._redis.pubsub_numsub(*channels):
            if count:
                listened.add(channels[channel.decode() if isinstance(channel, bytes) else channel])
    return listened


async def _with_members(layer: Any, groups: list[str]) -> set[str]:
    """Groups of the core layer are sorted sets of channels (expired members count: they
    only make a fragment rendered that reaches nobody)."""
    listened = set()
    for group in groups:
        connection = layer.connection(layer.consistent_hash(group))
        if await connection.zcard(layer._group_key(group)):
            listened.add(group)
    return listened


def _changed(consequence: str, error: Exception) -> bool:
    logger.error(
        "channels-redis has changed (%s: %s): %s; see rooms/layer_adapter.py",
        type(error).__name__,
        error,
        consequence,
    )
    return False
