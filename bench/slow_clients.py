"""Issue 10's scenario: one reader beside sockets that never read, on one server process.

    .venv/bin/python -m bench.slow_clients                  # the issue's exact figures
    .venv/bin/python -m bench.slow_clients --project /tmp/before   # another checkout's code

One uvicorn process with the production flags (README, "Production"), its own redis-server
and SQLite file; one room; one normal websocket reader; SLOW sockets that complete their
handshake and never read (4 KiB receive buffers; 20 per person, SOCKETS_PER_USER, each
person at an address of its own); MESSAGES messages of SIZE characters posted through the
real endpoint at RATE a second. Prints the reader's delivery (count, order, delays), the
server's memory (RSS) and which sockets were closed. tests/test_slow_clients.py runs the
same scenario, smaller, and asserts on it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from support.asgi import MAX_FRAME, server_env
from support.http import HttpClient, message_ids
from support.processes import LOOPBACK, PROJECT_DIR, free_port, stop, wait_until
from support.raw_websocket import RawSocket, sessions, signed_in
from support.redis import redis_server

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
                f"sockets closed: {self.slow_closed} of {scenario.slow} slow, reader "
                + ("open" if self.reader_close is None else f"closed ({self.reader_close})"),
            ]
        )


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def queued_kib(port: int) -> int:
    """What the kernel holds, unsent or unacknowledged, for the sockets the server accepted
    on `port` (tx_queue in /proc/net/tcp): memory outside the process's RSS."""
    total = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port:
            total += int(fields[4].split(":")[0], 16)
    return total // 1024


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
    port = int(base_url.rsplit(":", 1)[1])
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
        slow = await asyncio.to_thread(
            open_slow_sockets, port, scenario.room, slow_people, scenario.slow
        )
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
    peak, port = 0, int(poster.base_url.rsplit(":", 1)[1])
    while not done.is_set():
        peak = max(peak, rss_kib(pid))
        figures.queued_kib = max(figures.queued_kib, queued_kib(port))
        await asyncio.sleep(0.1)
    await posting
    figures.rss_kib["peak"] = max(peak, rss_kib(pid))
    return sent_at


def uvicorn_command(project: Path, port: int) -> list[str]:
    """Production's flags; the time-bounded protocols where the checkout has them."""
    protocols = []
    if (project / "chatsite" / "connections.py").exists():
        protocols = ["--http", "chatsite.connections:HttpProtocol"]
        protocols += ["--ws", "chatsite.connections:WebSocketProtocol"]
    else:
        protocols = ["--ws", "websockets-sansio"]
    return [sys.executable, "-m", "uvicorn", "chatsite.asgi:application", "--host", LOOPBACK,
            "--port", str(port), *protocols, "--ws-per-message-deflate", "false",
            "--ws-max-size", str(MAX_FRAME), "--lifespan", "off", "--no-access-log"]  # fmt: skip


def answers(base_url: str) -> bool:
    try:
        return HttpClient(base_url).request("/accounts/login/").status == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients", description=__doc__)
    parser.add_argument("--slow", type=int, default=100, help="sockets that never read")
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--size", type=int, default=1900, help="characters per message")
    parser.add_argument("--rate", type=float, default=40, help="messages a second")
    parser.add_argument("--project", type=Path, default=PROJECT_DIR, help="checkout to serve")
    options = parser.parse_args(argv)
    scenario = Scenario(options.slow, options.messages, options.size, options.rate)
    project = options.project.resolve()
    with tempfile.TemporaryDirectory() as folder, redis_server(Path(folder)) as redis:
        env = server_env(
            DATABASE_URL=f"sqlite:///{folder}/chat.sqlite3",
            REDIS_URL=redis.url,
            STATIC_ROOT=f"{folder}/static",
            RATE_LIMIT_POST="100000/second",
        )
        for command in ("migrate", "collectstatic"):
            done = subprocess.run([sys.executable, "manage.py", command, "--noinput"],
                                  cwd=project, env=env, capture_output=True, text=True)  # fmt: skip
            if done.returncode:
                sys.exit(f"manage.py {command} failed:\n{done.stderr}")
        people = [f"person{n:03}" for n in range(2 + -(-scenario.slow // PER_PERSON))]
        port, log_path = free_port(), Path(folder) / "server.log"
        command = uvicorn_command(project, port)
        print(f"{project}: {' '.join(command[1:])}", flush=True)
        with open(log_path, "wb") as log:
            server = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=log)
        try:
            base_url = f"http://{LOOPBACK}:{port}"
            wait_until(lambda: answers(base_url), timeout=30, what="uvicorn", process=server)
            figures = asyncio.run(
                run(scenario, base_url, server.pid, sessions(env, people, project))
            )
        finally:
            stop(server)
        print(figures.report(scenario))
        lines = log_path.read_text(errors="replace").splitlines()
        for needle in ("fell behind", "Channel layer lost", "Dropped websocket", "Traceback"):
            found = [line for line in lines if needle in line]
            print(
                f"server log, {needle!r}: {len(found)} lines"
                + (f"; first: {found[0]}" if found else "")
            )


if __name__ == "__main__":
    main()
