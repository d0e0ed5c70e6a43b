"""The per-process fan-out (rooms/fanout.py) on a real redis-server, with each layer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from channels.layers import get_channel_layer
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import ConnectionError

from rooms import broadcast, fragments, protocol
from rooms.fanout import Fanout, fanout
from rooms.protocol import CLOSE_RECONNECT
from support.redis import RedisServer
from tests.conftest import next_message, post

pytestmark = pytest.mark.django_db(transaction=True)


async def subscribers(url: str, group: str) -> int:
    """How many layer channels listen to `group`: entries (core) or subscribers (pub/sub)."""
    layer = get_channel_layer()
    async with AsyncRedis.from_url(url) as client:
        if hasattr(layer, "_group_key"):
            return await client.zcard(layer._group_key(group))
        [(_, count)] = await client.pubsub_numsub(layer._get_layer()._get_group_channel_name(group))
        return count


async def test_one_layer_channel_per_process_however_many_sockets(
    redis_layer, socket_for, room, alice, bob
):
    sockets = [socket_for(user, "general") for user in (alice, bob, bob, alice)]
    for socket in sockets:
        assert (await socket.connect())[0]
    assert await subscribers(redis_layer, protocol.room_group(room.pk, "en")) == 1
    message = await post(room, alice, "one layer message, four sockets")
    assert [await next_message(socket) for socket in sockets] == [fragments.message(message)] * 4
    for socket in sockets:
        await socket.disconnect()
    # The last socket out takes the process out of the group.
    assert await subscribers(redis_layer, protocol.room_group(room.pk, "en")) == 0


async def test_a_process_stays_in_the_group_while_one_socket_is_open(
    redis_layer, socket_for, room, alice, bob
):
    staying, leaving = socket_for(alice, "general"), socket_for(bob, "general")
    for socket in (staying, leaving):
        assert (await socket.connect())[0]
    await leaving.disconnect()
    assert await subscribers(redis_layer, protocol.room_group(room.pk, "en")) == 1
    message = await post(room, bob, "still delivered")
    assert await next_message(staying) == fragments.message(message)
    await staying.disconnect()


class Recorder:
    """A listener that records what the fan-out gives it, and can fail to send."""

    def __init__(self, failing: bool = False) -> None:
        self.frames: list[str] = []
        self.accepted = False
        self.failing = failing

    async def accept(self) -> None:
        self.accepted = True

    async def base_send(self, message: dict[str, Any]) -> None:
        assert self.accepted, "sent to before it was open"
        if self.failing:
            raise RuntimeError("the socket is gone")
        self.frames.append(message["text"])

    async def close(self, code: int | None = None) -> None:
        self.frames.append(f"closed {code}")


async def until(condition) -> None:
    """Poll `condition`: the fan-out runs in tasks of its own, with nothing to await."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_what_arrives_between_joining_and_opening_is_sent_after_opening(redis_layer):
    hub, listener = fanout(), Recorder()
    await hub.join(listener, ("early",))
    await broadcast.send("early", {"type": protocol.HTML, "html": "first"})
    await broadcast.send("early", {"type": protocol.HTML, "html": "second"})
    await until(lambda: len(hub.sockets[listener].outbox.queue or ()) == 2)
    assert listener.frames == []
    await hub.open(listener)
    await broadcast.send("early", {"type": protocol.HTML, "html": "third"})
    await until(lambda: len(listener.frames) == 3)
    assert listener.frames == ["first", "second", "third"]
    await hub.leave(listener)


async def test_a_socket_that_fails_does_not_stop_the_others(redis_layer, caplog):
    hub = fanout()
    broken, fine = Recorder(failing=True), Recorder()
    for listener in (broken, fine):
        await hub.join(listener, ("shared",))
        await hub.open(listener)
    await broadcast.send("shared", {"type": protocol.HTML, "html": "for both"})
    await until(lambda: fine.frames == ["for both"])
    assert "Could not send room.html: RuntimeError: the socket is gone" in caplog.text
    for listener in (broken, fine):
        await hub.leave(listener)


async def test_events_without_a_handler_are_ignored(redis_layer):
    hub, listener = fanout(), Recorder()
    await hub.join(listener, ("odd",))
    await hub.open(listener)
    await broadcast.send("odd", {"type": "no.such.handler"})
    await broadcast.send("odd", {"type": protocol.HTML, "html": "after it"})
    await until(lambda: listener.frames == ["after it"])
    await hub.leave(listener)


async def test_a_forgotten_socket_gets_nothing_more(redis_layer):
    hub, closing, staying = fanout(), Recorder(), Recorder()
    for listener in (closing, staying):
        await hub.join(listener, ("room",))
        await hub.open(listener)
    hub.forget(closing)
    await broadcast.send("room", {"type": protocol.HTML, "html": "later"})
    await until(lambda: staying.frames == ["later"])
    assert closing.frames == []
    for listener in (closing, staying):
        await hub.leave(listener)


@pytest.fixture
def own_redis(tmp_path, settings, redis_layer):
    """A redis-server of the test's own, to stop and flush, on the parametrized layer."""
    server = RedisServer(tmp_path).start()
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    # As in chatsite/settings/live.py: a pooled connection that Redis dropped is reopened.
    host = {"address": server.url, "retry_on_error": [ConnectionError]}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend, "CONFIG": {"hosts": [host]}}}
    # Short beats for a short test; long enough for the pub/sub layer's 1 s retry pause.
    settings.FANOUT_HEARTBEAT = 0.5
    yield server
    server.stop()


async def test_with_redis_down_every_socket_is_told_to_reconnect(own_redis, caplog):
    hub, listeners = fanout(), [Recorder(), Recorder()]
    for listener, group in zip(listeners, ("one", "two"), strict=True):
        await hub.join(listener, (group,))
        await hub.open(listener)
    own_redis.stop()
    await until(lambda: all(listener.frames for listener in listeners))
    assert [listener.frames for listener in listeners] == [[f"closed {CLOSE_RECONNECT}"]] * 2
    assert "Channel layer lost" in caplog.text
    assert hub.sockets == {}
    assert hub.groups == {}


async def test_a_redis_that_forgets_its_data_loses_no_socket(own_redis, settings, caplog):
    """FLUSHALL (or a restart from an empty disk) between two reads: no error anywhere."""
    hub, listener = fanout(), Recorder()
    await hub.join(listener, ("forgotten",))
    await hub.open(listener)
    async with AsyncRedis.from_url(own_redis.url) as client:
        await client.flushall()
    if settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("core.RedisChannelLayer"):
        # The core layer's groups were data: only the missing heartbeat tells.
        await until(lambda: listener.frames == [f"closed {CLOSE_RECONNECT}"])
        assert "no heartbeat" in caplog.text
    else:
        # Pub/sub subscriptions are not data: the socket goes on receiving.
        await broadcast.send("forgotten", {"type": protocol.HTML, "html": "still here"})
        await until(lambda: listener.frames == ["still here"])
        await hub.leave(listener)


async def test_a_dropped_layer_connection_loses_nothing(own_redis, settings, caplog):
    """Redis stays up; only its connections to this process drop, in the middle of a read."""
    hub, listener = fanout(), Recorder()
    await hub.join(listener, ("dropped",))
    await hub.open(listener)
    async with AsyncRedis.from_url(own_redis.url) as client:
        await client.client_kill_filter(_type="pubsub")
        await client.client_kill_filter(_type="normal", skipme=True)
    await broadcast.send("dropped", {"type": protocol.HTML, "html": "sent after"})
    if settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("core.RedisChannelLayer"):
        # The core layer queues each channel's events in Redis: the read resumes, nothing
        # is missed, the socket stays.
        await until(lambda: listener.frames == ["sent after"])
        assert "Channel layer lost" not in caplog.text
        await hub.leave(listener)
    else:
        # Pub/sub resubscribes silently, and what was published meanwhile is gone: the page
        # reconnects and catches up (whether or not "sent after" made it).
        await until(lambda: f"closed {CLOSE_RECONNECT}" in listener.frames)
        assert "the pub/sub connection dropped and resubscribed" in caplog.text


class SlowRecorder(Recorder):
    async def base_send(self, message: dict[str, Any]) -> None:
        # A process too busy to keep up: the whole loop, reader and heartbeat, waits.
        time.sleep(0.05)  # noqa: ASYNC251
        await super().base_send(message)


async def test_a_busy_process_is_not_taken_for_a_lost_one(own_redis, caplog):
    hub, listener = fanout(), SlowRecorder()
    await hub.join(listener, ("busy",))
    await hub.open(listener)
    sent = [f"frame {number}" for number in range(80)]  # 4 s of work; heartbeats every 0.5 s
    for text in sent:
        await broadcast.send("busy", {"type": protocol.HTML, "html": text})
    await until(lambda: len(listener.frames) == len(sent))
    assert listener.frames == sent
    assert "Channel layer lost" not in caplog.text
    await hub.leave(listener)


async def test_after_a_restart_sockets_join_again(own_redis):
    hub = fanout()
    first = Recorder()
    await hub.join(first, ("again",))
    await hub.open(first)
    own_redis.stop()
    await until(lambda: first.frames == [f"closed {CLOSE_RECONNECT}"])
    own_redis.start()
    second = Recorder()
    await hub.join(second, ("again",))
    await hub.open(second)
    await broadcast.send("again", {"type": protocol.HTML, "html": "back"})
    await until(lambda: second.frames == ["back"])
    await hub.leave(second)


def test_each_event_loop_and_layer_has_its_own_fanout(redis_layer):
    async def current() -> Fanout:
        return fanout()

    assert asyncio.run(current()) is not asyncio.run(current())
