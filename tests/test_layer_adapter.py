"""rooms/layer_adapter.py against the installed channels-redis and a real redis-server.

The adapter is the one place that uses channels-redis's private attributes. If an upgrade
renames or reshapes them, these tests fail, and say which; in production the adapter would
only log it and go on without the safeguard.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from redis.asyncio import Redis as AsyncRedis

from rooms import layer_adapter


async def until(condition) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


class Calls:
    """Records calls; its method is what redis-py needs (it keeps callbacks weakly)."""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def record(self, *args: object) -> None:
        self.calls.append(args)


@pytest.fixture
async def pubsub(redis):
    layer = RedisPubSubChannelLayer(hosts=[redis.url])
    yield layer
    await layer.flush()


async def test_the_pubsub_queue_is_bounded_and_says_so_once(pubsub, caplog):
    channel, witness = await pubsub.new_channel(), await pubsub.new_channel()
    overflows = Calls()
    assert layer_adapter.bound_queue(pubsub, channel, 3, overflows.record)
    for listener in (channel, witness):
        await pubsub.group_add("bounded", listener)
    for number in range(7):
        await pubsub.group_send("bounded", {"type": "test", "number": number})
    # The layer hands each event to both channels at once: once the unbounded one has the
    # last, the bounded one has been offered every event.
    async with asyncio.timeout(10):
        assert [(await pubsub.receive(witness))["number"] for _ in range(7)] == [*range(7)]
    assert overflows.calls == [()]
    assert [(await pubsub.receive(channel))["number"] for _ in range(3)] == [0, 1, 2]
    assert pubsub._get_layer().channels[channel].empty()
    assert "channels-redis has changed" not in caplog.text


async def test_a_reconnect_of_the_subscriber_connection_is_heard(pubsub, redis):
    channel = await pubsub.new_channel()
    await pubsub.group_add("heard", channel)
    reconnects = Calls()
    assert layer_adapter.on_reconnect(pubsub, reconnects.record)
    async with AsyncRedis.from_url(redis.url) as client:
        await client.client_kill_filter(_type="pubsub")
    await until(lambda: reconnects.calls)
    # Resubscribed: what is published now arrives again.
    await pubsub.group_send("heard", {"type": "test", "number": 1})
    async with asyncio.timeout(10):
        assert (await pubsub.receive(channel))["number"] == 1


async def test_other_layers_need_nothing_of_it(redis):
    core = RedisChannelLayer(hosts=[redis.url])
    assert layer_adapter.pubsub_layer(core) is None
    assert layer_adapter.on_reconnect(core, Calls().record)
    assert layer_adapter.bound_queue(core, "any", 3, Calls().record)


async def test_a_change_in_channels_redis_is_logged_not_raised(pubsub, caplog):
    assert not layer_adapter.bound_queue(pubsub, "not-a-channel-of-ours", 3, Calls().record)
    assert "channels-redis has changed (KeyError" in caplog.text


async def test_the_pubsub_layer_says_which_groups_a_process_listens_to(pubsub):
    channel = await pubsub.new_channel()
    await pubsub.group_add("room-1-en", channel)
    listened = await layer_adapter.listened(pubsub, ["room-1-en", "room-1-es", "lobby-public-es"])
    assert listened == {"room-1-en"}
    await pubsub.group_discard("room-1-en", channel)
    assert await layer_adapter.listened(pubsub, ["room-1-en"]) == set()


async def test_the_core_layer_says_which_groups_have_members(redis):
    core = RedisChannelLayer(hosts=[redis.url])
    await core.group_add("room-1-es", "specific.a!b")
    assert await layer_adapter.listened(core, ["room-1-en", "room-1-es"]) == {"room-1-es"}
    await core.group_discard("room-1-es", "specific.a!b")
    assert await layer_adapter.listened(core, ["room-1-es"]) == set()
    await core.flush()


async def test_the_in_memory_layer_says_which_groups_have_members():
    memory = InMemoryChannelLayer()
    await memory.group_add("room-1-en", "specific.a!b")
    assert await layer_adapter.listened(memory, ["room-1-en", "room-1-es"]) == {"room-1-en"}


async def test_when_it_cannot_tell_every_group_counts_as_listened(redis, caplog):
    down = RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1"])  # nothing listens there
    assert await layer_adapter.listened(down, ["room-1-en", "room-1-es"]) == {
        "room-1-en",
        "room-1-es",
    }
    assert await layer_adapter.listened(object(), ["room-1-en"]) == {"room-1-en"}
    assert "channels-redis has changed" not in caplog.text
