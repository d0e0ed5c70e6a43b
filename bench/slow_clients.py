"""Issue 10's scenario: one reader beside sockets that never read, on one server process.

    .venv/bin/python -m bench.slow_clients                        # the issue's figures
    .venv/bin/python -m bench.slow_clients --project /tmp/before  # another checkout's code

One uvicorn process with the production flags, its own redis-server and SQLite file; one
room; one websocket reader; SLOW sockets that complete their handshake and never read (4 KiB
receive buffers; 20 per person, each person at an address of its own); MESSAGES messages of
SIZE characters posted at RATE a second. Prints the reader's delivery, the server's memory
(RSS, and the kernel's send queues) and which sockets were closed.
tests/test_slow_clients.py runs the same scenario, smaller, and asserts on it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.slow_server import port_of, queued_kib, rss_kib, serving
from support.http import HttpClient, message_ids
from support.processes import LOOPBACK, PROJECT_DIR
from support.raw_websocket import RawSocket, signed_in

PER_PERSON = 20  # SOCKETS_PER_USER's default
WARM_UP = 50  # messages posted before the reader and the slow sockets join


@dataclass
class Scenario:
    slow: int = 100
    messages: int = 1500
    size: int = 1900
    rate: float = 40.0
    room: str = "crowded"


@dataclass
class Figures:
    posted: list[int] = field(default_factory=list)  # message ids, in posting order
    received: list[int] = field(default_factory=list)  # ids the reader got, in order
    delays: list[float] = field(default_factory=list)  # seconds from post to receipt
    rss_kib: dict[str, int] = field(default_factory=dict)
    queued_kib: int = 0  # peak of the kernel's send queues of the server's sockets
    slow_closed: int = 0
    opening: float = 0.0  # seconds to open the slow sockets
    reader_close: int | None = None  # the reader's close code, if it was closed

    def report(self, scenario: Scenario) -> str:
        delays = sorted(self.delays) or [float("nan")]
        growth = self.rss_kib["peak"] - self.rss_kib["before slow sockets"]
        return "\n".join(
            [
                f"reader: {len(self.received)} of {len(self.posted)} delivered, "
                f"in order: {self.received == self.posted[: len(self.received)]}, delay "
                f"p50 {statistics.median(delays) * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms",
                "server RSS (KiB): "
                + ", ".join(f"{what} {kib}" for what, kib in self.rss_kib.items())
                + f"; growth {growth} KiB, {growth / max(scenario.slow, 1):.1f} per slow socket",
                f"kernel send queues of the server's sockets, peak: {self.queued_kib} KiB",
                f"sockets closed: {self.slow_closed} of {scenario.slow} slow (opened in "
                f"{self.opening:.1f} s), reader "
                + ("open" if self.reader_close is None else f"closed ({self.reader_close})"),
            ]
        )


def open_slow_sockets(port: int, room: str, people: dict[str, str], count: int) -> list[RawSocket]:
    """`count` sockets that never read, PER_PERSON per person, each person at an address
    of its own (X-Forwarded-For, which uvicorn trusts from loopback)."""
    names = sorted(people)

    def open_one(number: int) -> RawSocket:
        person = number // PER_PERSON
        raw = RawSocket(port, rcvbuf=4096)
        status = raw.handshake(
            f"/ws/chat/{room}/", people[names[person]], forwarded_for=f"10.1.{person}.1"
        )
        assert status == 101, f"slow socket {number}: HTTP {status}"
        return raw

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(open_one, range(count)))


async def run(scenario: Scenario, base_url: str, pid: int, people: dict[str, str]) -> Figures:
    """The scenario against a running server: `people` are {name: session}, the first two
    the poster and the reader, the rest owners of slow sockets."""
    figures = Figures()
    names = list(people)
    poster = signed_in(base_url, people[names[0]])
    assert poster.open_room(scenario.room).status == 200
    for number in range(WARM_UP):  # the server's caches filled before memory is measured
        assert poster.post_message(scenario.room, f"warm-up {number}").status == 200
    port = port_of(base_url)
    url = f"ws://{LOOPBACK}:{port}/ws/chat/{scenario.room}/"
    cookie = [("Cookie", f"sessionid={people[names[1]]}")]
    async with connect(url, origin=base_url, additional_headers=cookie) as reader:
        arrived: dict[int, float] = {}

        async def read() -> None:
            try:
                async for frame in reader:
                    for pk in message_ids(str(frame)):
                        arrived.setdefault(pk, time.monotonic())
                        figures.received.append(pk)
            except ConnectionClosed:
                figures.reader_close = reader.close_code

        reading = asyncio.create_task(read())
        figures.rss_kib["before slow sockets"] = rss_kib(pid)
        slow_people = {name: people[name] for name in names[2:]}
        started = time.monotonic()
        slow = await asyncio.to_thread(
            open_slow_sockets, port, scenario.room, slow_people, scenario.slow
        )
        figures.opening = time.monotonic() - started
        figures.rss_kib["slow sockets open"] = rss_kib(pid)
        sent_at = await post_while_sampling(scenario, poster, pid, figures)
        # Every message posted: at most 30 s more for the reader to get them all and for the
        # server to close the slow sockets (a reset, once their close went unread).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not reading.done():
            if len(arrived) == len(figures.posted) and not any(raw.open for raw in slow):
                break
            await asyncio.sleep(0.05)
        figures.rss_kib["end"] = rss_kib(pid)
        figures.delays = [arrived[pk] - sent_at[pk] for pk in figures.posted if pk in arrived]
        figures.slow_closed = sum(not raw.open for raw in slow)
        reading.cancel()
        for raw in slow:
            raw.close()
    return figures


async def post_while_sampling(
    scenario: Scenario, poster: HttpClient, pid: int, figures: Figures
) -> dict[int, float]:
    """Post at `rate` a second (in a thread), sampling the server's RSS meanwhile."""
    sent_at: dict[int, float] = {}
    done = threading.Event()

    def post_all() -> None:
        start = time.monotonic()
        filler = "lorem ipsum dolor sit amet " * (scenario.size // 27 + 1)
        for number in range(scenario.messages):
            time.sleep(max(0.0, start + number / scenario.rate - time.monotonic()))  # pace
            body = f"#{number:05} {filler}"[: scenario.size]
            started = time.monotonic()
            response = poster.post_message(scenario.room, body)
            assert response.status == 200, f"post {number}: HTTP {response.status}"
            [pk] = message_ids(response.text)
            figures.posted.append(pk)
            sent_at[pk] = started
        done.set()

    posting = asyncio.create_task(asyncio.to_thread(post_all))
    peak, port = 0, port_of(poster.base_url)
    while not done.is_set():
        peak = max(peak, rss_kib(pid))
        figures.queued_kib = max(figures.queued_kib, queued_kib(port))
        await asyncio.sleep(0.1)
    await posting
    figures.rss_kib["peak"] = max(peak, rss_kib(pid))
    return sent_at


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients", description=__doc__)
    parser.add_argument("--slow", type=int, default=100, help="sockets that never read")
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--size", type=int, default=1900, help="characters per message")
    parser.add_argument("--rate", type=float, default=40, help="messages a second")
    parser.add_argument("--project", type=Path, default=PROJECT_DIR, help="checkout to serve")
    options = parser.parse_args(argv)
    scenario = Scenario(options.slow, options.messages, options.size, options.rate)
    people = [f"person{n:03}" for n in range(2 + -(-scenario.slow // PER_PERSON))]
    with serving(options.project.resolve(), people) as (base_url, pid, sessions, log_path):
        figures = asyncio.run(run(scenario, base_url, pid, sessions))
        print(figures.report(scenario))
        lines = log_path.read_text(errors="replace").splitlines()
    for needle in ("fell behind", "Channel layer lost", "Dropped", "Could not send", "Traceback"):
        found = [line for line in lines if needle in line] + [""]
        print(f"server log, {needle!r}: {len(found) - 1} lines; first: {found[0]}")


if __name__ == "__main__":
    main()
