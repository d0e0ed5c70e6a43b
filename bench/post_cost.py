"""`python -m bench.post_cost`: the server CPU of one POST, alone.

One uvicorn process as production runs it, with its own redis-server and SQLite file
(`bench.slow_server.serving`, as bench/slow_clients.py), one room, one person posting one
message after the other (no sockets open). Prints the server's CPU per post (utime + stime
from /proc), the wall time per post, the machine and its load. `--project DIR` serves
another checkout's code (a `git worktree` of an older commit) on the same steps, for a
before/after pair; `--spy FILE` records the server with py-spy (raw folded stacks) while
it posts.

    .venv/bin/python -m bench.post_cost
    .venv/bin/python -m bench.post_cost --project /tmp/bench-before
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench.servers import cpu_seconds
from bench.slow_server import serving
from support.http import HttpClient
from support.processes import PROJECT_DIR
from support.raw_websocket import signed_in

ROOM = "general"
WARM_UP = 30


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.post_cost", description=__doc__)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--project", type=Path, default=PROJECT_DIR)
    parser.add_argument("--spy", type=Path, help="py-spy's raw output file")
    arguments = parser.parse_args()
    project = arguments.project.resolve()
    with serving(project, ["poster"]) as (base_url, pid, sessions, _log):
        client = signed_in(base_url, sessions["poster"])
        assert client.open_room(ROOM).status == 200
        print(f"{project}: {measure(client, pid, arguments.posts, arguments.spy)}", flush=True)


def measure(client: HttpClient, pid: int, posts: int, spy: Path | None) -> str:
    def post(number: int) -> None:
        answer = client.post_message(ROOM, f"hello number {number}")
        assert answer.status == 200, answer.status

    for number in range(WARM_UP):
        post(number)
    recorder = None
    if spy is not None:
        py_spy = Path(sys.executable).with_name("py-spy")
        recorder = subprocess.Popen(
            [str(py_spy), "record", "--pid", str(pid), "--rate", "500", "--format", "raw",
             "--output", str(spy), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    cpu, started = cpu_seconds(pid), time.monotonic()
    for number in range(posts):
        post(number)
    cpu, wall = cpu_seconds(pid) - cpu, time.monotonic() - started
    if recorder is not None:
        recorder.send_signal(2)
        recorder.wait(30)
    return (
        f"{posts} posts, server CPU {cpu * 1000 / posts:.2f} ms/post, "
        f"wall {wall * 1000 / posts:.2f} ms/post; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
