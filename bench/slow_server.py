"""One uvicorn process serving a checkout (this one, or an older one for a comparison) as
production runs it, with its own redis-server and SQLite file (or PostgreSQL server); and
what it costs: its RSS, and what the kernel holds for its sockets. Used by
bench/slow_clients.py and bench/post_cost.py."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from support.asgi import MAX_FRAME, server_env
from support.http import HttpClient
from support.postgres import postgres_server
from support.processes import LOOPBACK, free_port, stop, wait_until
from support.raw_websocket import sessions as make_sessions
from support.redis import redis_server

CONNECTIONS = "chatsite.connections"


@contextmanager
def serving(
    project: Path,
    people: list[str],
    *,
    postgres: bool = False,
    runner: list[str] | None = None,
    **settings: str,
) -> Iterator[tuple[str, int, dict[str, str], Path]]:
    """The server's URL, its pid, a signed-in session for each of `people`, its log file.
    `settings` are more environment variables for the server; `runner` runs uvicorn's
    command line instead of `python -m uvicorn` (bench/socket_memory.py)."""
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        redis = stack.enter_context(redis_server(Path(folder)))
        database = f"sqlite:///{folder}/chat.sqlite3"
        if postgres:
            database = stack.enter_context(postgres_server(Path(folder) / "postgres")).url
        env = server_env(
            DATABASE_URL=database,
            REDIS_URL=redis.url,
            STATIC_ROOT=f"{folder}/static",
            RATE_LIMIT_POST="100000/second",
            **settings,
        )
        for command in ("migrate", "collectstatic"):
            done = subprocess.run([sys.executable, "manage.py", command, "--noinput"],
                                  cwd=project, env=env, capture_output=True, text=True)  # fmt: skip
            if done.returncode:
                sys.exit(f"manage.py {command} failed:\n{done.stderr}")
        port, log_path = free_port(), Path(folder) / "server.log"
        command = uvicorn_command(project, port)
        if runner is not None:
            command = [*runner, *command[3:]]
        print(f"{project}: {' '.join(command[1:])}", flush=True)
        with open(log_path, "wb") as log:
            server = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=log)
        try:
            base_url = f"http://{LOOPBACK}:{port}"
            wait_until(lambda: answers(base_url), timeout=30, what="uvicorn", process=server)
            yield base_url, server.pid, make_sessions(env, people, project), log_path
        finally:
            stop(server)


def uvicorn_command(project: Path, port: int) -> list[str]:
    """Production's flags; the time-bounded protocols where the checkout has them."""
    protocols = ["--ws", "websockets-sansio"]  # before chatsite/connections.py
    if (project / "chatsite" / "connections.py").exists():
        protocols = [
            "--http",
            f"{CONNECTIONS}:HttpProtocol",
            "--ws",
            f"{CONNECTIONS}:WebSocketProtocol",
        ]
    return [sys.executable, "-m", "uvicorn", "chatsite.asgi:application", "--host", LOOPBACK,
            "--port", str(port), *protocols, "--ws-per-message-deflate", "false",
            "--ws-max-size", str(MAX_FRAME), "--lifespan", "off", "--no-access-log"]  # fmt: skip


def port_of(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


def answers(base_url: str) -> bool:
    try:
        return HttpClient(base_url).request("/accounts/login/").status == 200
    except OSError:
        return False


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
