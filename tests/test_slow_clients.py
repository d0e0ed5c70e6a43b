"""Readers that fall behind, against the real thing: one uvicorn process as production runs
it (chatsite.connections' protocols), its own redis-server, the suite's database, and bare
TCP sockets that never read (support/raw_websocket.py).

Issue 10's scenario (bench/slow_clients.py), smaller and asserted: the server's buffers
are made small (SETTINGS) so that a socket that does not read falls behind within a
hundred messages. The figures are printed; `pytest -s tests/test_slow_clients.py` shows
them. The tests share the server and run in order: the last one stops its Redis.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import time
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake

from bench.slow_clients import PER_PERSON, Scenario, run
from support.asgi import AsgiServer
from support.http import message_ids, receive_until, until_closed
from support.raw_websocket import RawSocket, frame_ids, sessions, signed_in
from support.site import Site, running_site, suite_postgres

SETTINGS = {
    "FANOUT_SOCKET_MAX_FRAMES": "32",
    "FANOUT_SOCKET_MAX_BYTES": str(64 * 1024),
    "SOCKET_SEND_BUFFER": str(32 * 1024),
    "SOCKET_CLOSE_GRACE": "3",
    "FANOUT_HEARTBEAT": "1",
    "RATE_LIMIT_POST": "100000/second",
}
# What one slow socket may cost the process: its outbox (FANOUT_SOCKET_MAX_BYTES), the
# transport's buffer (chatsite.connections.TRANSPORT_BUFFER, and the frame that crossed
# it), and the socket itself, open: its consumer, scope and state (some 30 KiB).
PER_SLOW_SOCKET_KIB = 64 + 16 + 4 + 48
# The process's own growth meanwhile: posting, rendering, hundreds of consumers' state.
MARGIN_KIB = 48 * 1024
MESSAGES, RATE = 200, 40.0
MAX_DELAY = 5.0  # seconds, from a post to the reader's receipt (the watchdog would act at 3)
PEOPLE = ["poster", "reader", *(f"slow{n:02}" for n in range(500 // PER_PERSON)), "honest"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("slow")
    with running_site(directory, servers=1, postgres=suite_postgres(), **SETTINGS) as site:
        yield site


@pytest.fixture(scope="module")
def people(site: Site) -> dict[str, str]:
    return sessions(site.env, PEOPLE)


def server_of(site: Site) -> AsgiServer:
    return site.servers[0]


@pytest.mark.parametrize("slow", [100, 500])
async def test_a_reader_beside_sockets_that_never_read_gets_every_message_in_time(
    site, people, slow
):
    server = server_of(site)
    log_from = len(server.log_text())
    scenario = Scenario(slow=slow, messages=MESSAGES, rate=RATE, room=f"crowded{slow}")
    chosen = {name: people[name] for name in PEOPLE[: 2 + slow // PER_PERSON]}
    figures = await run(scenario, server.url, server.process.pid, chosen)
    print(f"\n{slow} sockets that never read, {MESSAGES} messages at {RATE:g}/s:")
    print(figures.report(scenario))
    assert figures.received == figures.posted  # every one, in order, once
    assert figures.reader_close is None
    assert max(figures.delays) < MAX_DELAY, statistics.median(figures.delays)
    log = server.log_text()[log_from:]
    assert log.count("fell behind") == slow
    assert figures.slow_closed == slow  # reset by the server, once their close went unread
    assert "Channel layer lost" not in log
    assert "Traceback" not in log
    growth = figures.rss_kib["peak"] - figures.rss_kib["before slow sockets"]
    bound = slow * PER_SLOW_SOCKET_KIB + MARGIN_KIB
    print(f"RSS growth {growth} KiB, bound {bound} KiB")
    assert growth < bound


async def test_a_slow_reader_that_reads_again_is_closed_and_catches_up_completely(site, people):
    server, room = server_of(site), "catching-up"
    poster = signed_in(server.url, people["poster"])
    assert poster.open_room(room).status == 200
    slow = RawSocket(server.port, rcvbuf=4096)
    assert slow.handshake(f"/ws/chat/{room}/", people["honest"], forwarded_for="10.2.0.1") == 101
    log_from = len(server.log_text())
    posted: list[int] = []
    # Post until the server gives up on it, then read as a page would after a stall.
    while "at 10.2.0.1 fell behind" not in server.log_text()[log_from:]:
        assert len(posted) < 1000, "never fell behind"
        posted += message_ids(poster.post_message(room, f"#{len(posted)} " + "x" * 1900).text)
    frames = await asyncio.to_thread(slow.read_all)
    slow.close()
    got = frame_ids(frames)
    print(f"\nfell behind after {len(posted)} messages; had read {len(got)}")
    assert slow.close_code == 3012  # told to reconnect, and it read it in time
    assert got == posted[: len(got)]
    # Reconnect as the page does: the socket first, then what it missed, from its newest.
    url = server.url.replace("http://", "ws://") + f"/ws/chat/{room}/"
    cookie = [("Cookie", f"sessionid={people['honest']}")]
    async with connect(url, origin=server.url, additional_headers=cookie) as again:
        caught: list[int] = []
        while page := message_ids(
            poster.request(f"/chat/{room}/messages/?after={max(got + caught, default=0)}").text
        ):
            caught += page
        more = message_ids(poster.post_message(room, "after the catch-up").text)
        await receive_until(again, f'id="message-{more[0]}"')
    assert got + caught == posted  # nothing lost, nothing twice, in order


async def test_a_stalled_process_closes_no_socket(site, people):
    """Stopped for longer than 3 heartbeats: when it resumes, the watchdog knows that
    nothing could be read meanwhile, and the layer is not taken for lost."""
    server, room = server_of(site), "stalled"
    poster = signed_in(server.url, people["poster"])
    assert poster.open_room(room).status == 200
    url = server.url.replace("http://", "ws://") + f"/ws/chat/{room}/"
    cookie = [("Cookie", f"sessionid={people['reader']}")]
    log_from = len(server.log_text())
    async with connect(url, origin=server.url, additional_headers=cookie) as reader:
        first = message_ids(poster.post_message(room, "before").text)[0]
        await receive_until(reader, f'id="message-{first}"')
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(4.5)  # the fault itself: 4.5 heartbeats of 1 s, frozen
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        # Beats for 4 s more, each message arriving on the same socket.
        started = time.monotonic()
        while time.monotonic() - started < 4:
            pk = message_ids(poster.post_message(room, "after").text)[0]
            await receive_until(reader, f'id="message-{pk}"')
            await asyncio.sleep(0.25)  # pacing the posts, not waiting for anything
    assert "Channel layer lost" not in server.log_text()[log_from:]


async def test_with_redis_lost_every_socket_is_told_to_reconnect_and_catches_up(site, people):
    """Last: it stops the site's Redis."""
    server, room = server_of(site), "outage"
    poster = signed_in(server.url, people["poster"])
    assert poster.open_room(room).status == 200
    url = server.url.replace("http://", "ws://") + f"/ws/chat/{room}/"
    cookie = [("Cookie", f"sessionid={people['reader']}")]
    async with connect(url, origin=server.url, additional_headers=cookie) as reader:
        first = message_ids(poster.post_message(room, "before").text)[0]
        await receive_until(reader, f'id="message-{first}"')
        site.redis.stop()
        assert await until_closed(reader) == 3012
    missed = message_ids(poster.post_message(room, "while Redis was down").text)
    site.redis.start()
    async with asyncio.timeout(60):
        while True:  # refused (1006) until the layer is back, as the page finds
            try:
                again = await connect(url, origin=server.url, additional_headers=cookie)
                break
            except (OSError, InvalidHandshake):
                await asyncio.sleep(0.2)
    async with again:
        caught = message_ids(poster.request(f"/chat/{room}/messages/?after={first}").text)
        assert caught == missed
        later = message_ids(poster.post_message(room, "after").text)[0]
        await receive_until(again, f'id="message-{later}"')
