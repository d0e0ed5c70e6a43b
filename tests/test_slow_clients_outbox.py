"""Sockets that fall behind, in-process: each socket's bounded outbox (rooms/outbox.py), the
fan-out closing a socket past its bounds, the heartbeat's verdicts (rooms/watchdog.py), and a
process that falls behind the layer, on a real redis-server. The same against a real uvicorn:
tests/test_slow_clients.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from chatsite.asgi import application
from rooms import broadcast, fragments, protocol
from rooms.fanout import fanout
from rooms.outbox import Frame, Outbox
from rooms.protocol import CLOSE_RECONNECT
from rooms.watchdog import Watchdog
from tests.conftest import ORIGIN, next_message, post
from tests.test_fanout import Recorder, until

pytestmark = pytest.mark.django_db(transaction=True)


class Peer(Recorder):
    """A listener whose sends wait while its peer does not read, as uvicorn's do (its
    buffer for the socket full); its close does not (chatsite.connections)."""

    def __init__(self) -> None:
        super().__init__()
        self.reading = asyncio.Event()
        self.reading.set()

    async def base_send(self, message: dict[str, Any]) -> None:
        await self.reading.wait()
        await super().base_send(message)


def html(text: str) -> dict[str, str]:
    return {"type": protocol.HTML, "html": text}


async def test_the_outbox_writes_at_once_when_it_can_else_in_order_in_a_task_of_its_own():
    peer = Peer()
    outbox = Outbox(peer, max_frames=10, max_bytes=10_000)
    assert outbox.put(Frame.of("early"))  # not accepted yet: it waits
    await peer.accept()
    outbox.start()
    await until(lambda: outbox.writer is None)
    assert outbox.put(Frame.of("a"))
    # Written in the same pass, without a task or a queue.
    assert (peer.frames, outbox.writer, outbox.queue) == (["early", "a"], None, None)
    peer.reading.clear()
    for text in "bcd":
        assert outbox.put(Frame.of(text))
    assert outbox.writer is not None
    assert [frame.message["text"] for frame in outbox.queue] == ["c", "d"]  # b is under way
    peer.reading.set()
    await until(lambda: outbox.writer is None)
    assert peer.frames == ["early", "a", "b", "c", "d"]
    assert outbox.queue is None  # an idle socket holds neither a task nor a queue


async def test_the_outbox_refuses_past_either_bound_and_discards_without_writing():
    peer = Peer()
    await peer.accept()
    outbox = Outbox(peer, max_frames=2, max_bytes=10)
    outbox.start()
    peer.reading.clear()
    assert outbox.put(Frame.of("0123456789"))  # under way, waiting for the peer
    assert outbox.put(Frame.of("01234"))
    assert not outbox.put(Frame.of("012345"))  # 11 bytes
    assert outbox.put(Frame.of("é" * 2))  # 4 bytes of UTF-8: 9 in all
    assert not outbox.put(Frame.of(""))  # a third frame
    writer = outbox.writer
    outbox.discard()
    peer.reading.set()
    await until(lambda: writer.done())
    assert writer.cancelled()
    assert peer.frames == []


async def test_a_socket_that_does_not_read_holds_up_no_other(redis_layer):
    hub, stuck, fine = fanout(), Peer(), Recorder()
    for listener in (stuck, fine):
        await hub.join(listener, ("shared",))
        await hub.open(listener)
    stuck.reading.clear()
    sent = [f"frame {number}" for number in range(20)]
    for text in sent:
        await broadcast.send("shared", html(text))
    await until(lambda: fine.frames == sent)
    assert stuck.frames == []
    stuck.reading.set()  # a slow reader within its bound loses nothing
    await until(lambda: stuck.frames == sent)
    for listener in (stuck, fine):
        await hub.leave(listener)


@pytest.mark.parametrize("bound", ["FANOUT_SOCKET_MAX_FRAMES", "FANOUT_SOCKET_MAX_BYTES"])
async def test_a_socket_past_its_bound_is_closed_to_reconnect(redis_layer, settings, caplog, bound):
    setattr(settings, bound, 5 if bound.endswith("FRAMES") else 5 * len("frame 00"))
    hub, stuck, fine = fanout(), Peer(), Recorder()
    for listener in (stuck, fine):
        await hub.join(listener, ("shared",))
        await hub.open(listener)
    stuck.reading.clear()
    sent = [f"frame {number:02}" for number in range(10)]
    for text in sent:
        await broadcast.send("shared", html(text))
    await until(lambda: fine.frames == sent)
    # One under way, 5 waiting, the 7th over the bound: closed, not written to any more.
    await until(lambda: stuck.frames == [f"closed {CLOSE_RECONNECT}"])
    assert "fell behind (5 frames, 40 bytes waiting): closed with 3012" in caplog.text
    assert hub.groups["shared"] == {fine}
    stuck.reading.set()
    await broadcast.send("shared", html("after"))
    await until(lambda: fine.frames[-1] == "after")
    assert stuck.frames == [f"closed {CLOSE_RECONNECT}"]
    assert "Channel layer lost" not in caplog.text
    for listener in (stuck, fine):
        await hub.leave(listener)


def stalled(app: Any, reading: asyncio.Event) -> Any:
    """`app` served to a peer that reads only while `reading` is set: until then each
    websocket.send waits, as uvicorn's does for a peer whose buffer is full."""

    async def server(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def send_when_read(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.send":
                await reading.wait()
            await send(message)

        await app(scope, receive, send_when_read)

    return server


async def test_a_page_that_does_not_read_is_closed_and_the_others_get_every_message(
    redis_layer, settings, socket_for, cookies, room, alice, bob, caplog
):
    settings.FANOUT_SOCKET_MAX_FRAMES = 4
    reading = asyncio.Event()
    stuck = WebsocketCommunicator(
        stalled(application, reading), "/ws/chat/general/", headers=[ORIGIN, cookies[alice]]
    )
    fine = socket_for(bob, "general")
    for socket in (stuck, fine):
        assert (await socket.connect())[0]
    messages = [await post(room, alice, f"message {number}") for number in range(8)]
    assert [await next_message(fine) for _ in messages] == list(map(fragments.message, messages))
    # Nothing reached the stuck page but its close, which does not wait for it to read.
    assert await stuck.receive_output() == {"type": "websocket.close", "code": CLOSE_RECONNECT}
    assert f"Socket of user {alice.pk} at unknown fell behind" in caplog.text
    await stuck.disconnect()
    await fine.disconnect()


def test_the_watchdog_tells_a_lost_layer_from_a_busy_or_stalled_process():
    watchdog = Watchdog(interval=1)
    for _ in range(5):  # every beat back in time
        assert watchdog.heard_beat(watchdog.beat()) is None
        assert watchdog.tick(1.0) is None
    for _ in range(10):  # beats late, but other events keep coming: busy
        watchdog.beat()
        watchdog.heard_other()
        assert watchdog.tick(1.1) is None
    for _ in range(10):  # the loop stalled between ticks: nothing could be read
        watchdog.beat()
        assert watchdog.tick(5.0) is None
    verdicts = []
    for _ in range(3):  # silence, the loop running: lost on the third tick
        watchdog.beat()
        verdicts.append(watchdog.tick(1.0))
    assert verdicts == [None, None, "no heartbeat for 3 intervals of 1 s"]


def test_a_beat_out_of_turn_means_the_layer_dropped_events():
    watchdog = Watchdog(interval=1)
    first, _, third = watchdog.beat(), watchdog.beat(), watchdog.beat()
    assert watchdog.heard_beat(first) is None
    assert watchdog.heard_beat(third) == "heartbeat 3 arrived after 1: the layer dropped events"


async def test_a_process_that_falls_behind_the_layer_reconnects_its_sockets(
    redis, settings, caplog
):
    backend = "channels_redis.pubsub.RedisPubSubChannelLayer"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend, "CONFIG": {"hosts": [redis.url]}}}
    settings.FANOUT_CHANNEL_CAPACITY = 5
    hub, listener = fanout(), Recorder()
    await hub.join(listener, ("behind",))
    await hub.open(listener)
    layer = get_channel_layer()
    queue = layer._get_layer().channels[hub.channel]
    event = layer.serialize({**html("late"), "group": "behind"})
    for _ in range(6):  # what the layer's reader does when events come faster than read
        queue.put_nowait(event)
    await until(lambda: f"closed {CLOSE_RECONNECT}" in listener.frames)
    assert "fell behind: 5 events queued (FANOUT_CHANNEL_CAPACITY)" in caplog.text
    assert set(listener.frames[:-1]) <= {"late"}
