"""`python -m bench.post_cost`: the server CPU of one POST, and of one socket connect, alone.

One uvicorn process as production runs it, with its own redis-server and SQLite file
(`bench.slow_server.serving`, as bench/slow_clients.py), one room, one person posting one
message after the other with their own page of the room open (its socket gets each
message, as a poster's does; a fragment is rendered only in the languages some page is
open in), then opening and closing the room's socket one
connect after the other. Prints the server's CPU per post and per connect (utime + stime
from /proc), the wall time of each, the machine and its load. `--project DIR` serves
another checkout's code (a `git worktree` of an older commit) on the same steps, for a
before/after pair; `--postgres` runs on a PostgreSQL server of its own instead of SQLite;
`--set NAME=VALUE` gives the server one more setting (`--set DATABASE_POOL=0`); `--spy
FILE` records the server with py-spy (raw folded stacks, only the samples that hold the
GIL) while it posts, `--spy-connects FILE` while it connects.

    .venv/bin/python -m bench.post_cost
    .venv/bin/python -m bench.post_cost --project /tmp/bench-before
    .venv/bin/python -m bench.post_cost --postgres --set DATABASE_POOL=0
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.servers import cpu_split
from bench.slow_server import port_of, serving
from support.http import HttpClient
from support.processes import PROJECT_DIR
from support.raw_websocket import RawSocket, signed_in

ROOM = "general"
WARM_UP = 30


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.post_cost", description=__doc__)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--project", type=Path, default=PROJECT_DIR)
    parser.add_argument("--connects", type=int, default=300)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--spy", type=Path, help="py-spy's raw output file, while it posts")
    parser.add_argument("--spy-connects", type=Path, help="the same, while it connects")
    arguments = parser.parse_args()
    project = arguments.project.resolve()
    # Sockets are opened one after the other, but each closes while the next opens.
    settings = {"SOCKETS_PER_USER": "1000", **dict(item.split("=", 1) for item in arguments.set)}
    database = "PostgreSQL" if arguments.postgres else "SQLite"
    with serving(project, ["poster"], postgres=arguments.postgres, **settings) as served:
        base_url, pid, sessions, _log = served
        client = signed_in(base_url, sessions["poster"])
        assert client.open_room(ROOM).status == 200
        with own_page(base_url, sessions["poster"]):
            posts = measure(client, pid, arguments.posts, arguments.spy)
        connects = measure_connects(
            base_url, pid, sessions["poster"], arguments.connects, arguments.spy_connects
        )
        print(f"{project} ({database}, {settings}): {posts}; {connects}; {machine()}", flush=True)


@contextmanager
def own_page(base_url: str, session: str) -> Iterator[None]:
    """The poster's page of the room, its socket read all along."""
    page = RawSocket(port_of(base_url))
    assert page.handshake(f"/ws/chat/{ROOM}/", session) == 101
    reader = threading.Thread(target=page.read_all, daemon=True)
    reader.start()
    try:
        yield
    finally:
        page.sock.shutdown(socket.SHUT_RDWR)  # the reader's recv ends
        reader.join(10)
        page.close()


def measure_connects(base_url: str, pid: int, session: str, connects: int, spy: Path | None) -> str:
    port = port_of(base_url)

    def connect(_number: int) -> None:
        raw = RawSocket(port)
        assert raw.handshake(f"/ws/chat/{ROOM}/", session) == 101
        raw.close()

    return timed(connect, "connect", connects, pid, spy)


def machine() -> str:
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def measure(client: HttpClient, pid: int, posts: int, spy: Path | None) -> str:
    def post(number: int) -> None:
        answer = client.post_message(ROOM, f"hello number {number}")
        assert answer.status == 200, answer.status

    return timed(post, "post", posts, pid, spy)


def timed(step: Callable[[int], None], name: str, count: int, pid: int, spy: Path | None) -> str:
    """`step` run `count` times after a warm-up: the server's CPU (user and system) and the
    wall time per step; with `spy`, py-spy records the server's samples that hold the GIL."""
    for number in range(WARM_UP):
        step(number)
    recorder = None
    if spy is not None:
        py_spy = Path(sys.executable).with_name("py-spy")
        recorder = subprocess.Popen(
            [str(py_spy), "record", "--pid", str(pid), "--rate", "500", "--format", "raw",
             "--output", str(spy), "--nonblocking", "--gil"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    (user, system), started = cpu_split(pid), time.monotonic()
    for number in range(count):
        step(number)
    wall = time.monotonic() - started
    user_after, system_after = cpu_split(pid)
    user, system = user_after - user, system_after - system
    if recorder is not None:
        recorder.send_signal(2)
        recorder.wait(30)
    per = 1000 / max(count, 1)
    return (
        f"{count} {name}s, server CPU {(user + system) * per:.2f} ms/{name} "
        f"(user {user * per:.2f}, system {system * per:.2f}), wall {wall * per:.2f} ms/{name}"
    )


if __name__ == "__main__":
    main()
