"""`python -m bench.post_cost`: the server CPU of one POST, alone.

One uvicorn process with production's flags, its own redis-server and SQLite file, one
room, one person posting one message after the other (no sockets open). Prints the
server's CPU per post (utime + stime from /proc), the wall time per post, the machine and
its load. `--project DIR` serves another checkout's code (a `git worktree` of an older
commit) on the same steps, for a before/after pair; `--spy FILE` records the server with
py-spy (raw folded stacks) while it posts.

    .venv/bin/python -m bench.post_cost
    .venv/bin/python -m bench.post_cost --project /tmp/bench-before
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.servers import cpu_seconds
from support.asgi import AsgiServer, manage, server_env
from support.http import HttpClient
from support.processes import PROJECT_DIR
from support.redis import redis_server

PASSWORD = "post-cost-password-1"
SETUP = (
    "from django.contrib.auth import get_user_model as users; from rooms.models import Room; "
    f"poster = users().objects.create_user('poster', password='{PASSWORD}'); "
    "Room.objects.create(name='general', created_by=poster)"
)
WARM_UP = 30


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.post_cost", description=__doc__)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--project", type=Path, default=PROJECT_DIR)
    parser.add_argument("--spy", type=Path, help="py-spy's raw output file")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="post-cost-"))
    with redis_server(folder) as redis:
        env = server_env(
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            REDIS_URL=redis.url,
            STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
            RATE_LIMIT_POST="1000000/second",
            PYTHONPATH=str(arguments.project),
        )
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            manage(env, *command)
        manage(env, "shell", "-c", SETUP)
        server = AsgiServer(env, log_path=folder / "server.log", project=arguments.project)
        server.start()
        try:
            print(measure(server, arguments.posts, arguments.spy), flush=True)
        finally:
            server.stop()


def measure(server: AsgiServer, posts: int, spy: Path | None) -> str:
    client = HttpClient(server.url)
    assert client.login("poster", PASSWORD).status == 200
    headers = {"X-CSRFToken": client.cookie("csrftoken"), "HX-Request": "true"}

    def post(number: int) -> None:
        form = {"body": f"hello number {number}", "client_key": str(uuid.uuid4())}
        answer = client.request("/chat/general/messages/", form, headers)
        assert answer.status == 200, answer.status

    for number in range(WARM_UP):
        post(number)
    recorder = None
    if spy is not None:
        py_spy = Path(sys.executable).with_name("py-spy")
        recorder = subprocess.Popen(
            [str(py_spy), "record", "--pid", str(server.process.pid), "--rate", "500",
             "--format", "raw", "--output", str(spy), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    cpu, started = cpu_seconds(server.process.pid), time.monotonic()
    for number in range(posts):
        post(number)
    cpu, wall = cpu_seconds(server.process.pid) - cpu, time.monotonic() - started
    if recorder is not None:
        recorder.send_signal(2)
        recorder.wait(30)
    return (
        f"{server.project}: {posts} posts, server CPU {cpu * 1000 / posts:.2f} ms/post, "
        f"wall {wall * 1000 / posts:.2f} ms/post; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
