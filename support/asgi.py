"""ASGI server processes serving the project, their environment, and manage.py."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from support.processes import (
    LOOPBACK,
    PROJECT_DIR,
    free_port,
    serve_on_a_free_port,
    stop,
)

# The largest websocket frame a server takes (the page sends only small typing frames).
MAX_FRAME = 64 * 1024


@dataclass
class AsgiServer:
    """One ASGI server process serving the project: uvicorn as production runs it (README,
    "Production"), or daphne (what `manage.py runserver` runs)."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    server: str = "uvicorn"
    app: str = "chatsite.asgi:application"
    # uvicorn only: the sans-I/O websockets implementation, no per-message compression
    # (bench/README.md has why), and both protocols with the time bounds uvicorn lacks
    # (chatsite/connections.py: a header timeout; closes that never wait for a non-reader).
    ws: str = "chatsite.connections:WebSocketProtocol"
    http: str = "chatsite.connections:HttpProtocol"
    deflate: bool = False
    # daphne only. -1: never close a socket for age (its default closes after a day, with 1000).
    websocket_timeout: int = -1
    # daphne only: no access-log line per request (uvicorn never writes one here).
    quiet: bool = False
    # The checkout served (bench/ serves an older one beside this one for a comparison).
    project: Path = PROJECT_DIR
    # Whether it has served on its port: from then on it keeps it.
    served: bool = False

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        if self.server == "daphne":
            arguments = (
                f"-m daphne -b {LOOPBACK} -p {self.port} --websocket_timeout "
                f"{self.websocket_timeout} --websocket-max-message-size {MAX_FRAME} "
                f"--websocket_connect_timeout 30 {'-v 0 ' if self.quiet else ''}{self.app}"
            )
        else:
            arguments = (
                f"-m uvicorn {self.app} --host {LOOPBACK} --port {self.port} --http {self.http} "
                f"--ws {self.ws} "
                f"--ws-per-message-deflate {str(self.deflate).lower()} --ws-max-size {MAX_FRAME} "
                "--lifespan off --no-access-log"
            )
        return [sys.executable, *arguments.split()]

    def start(self) -> AsgiServer:
        return self.launch().wait_ready()

    def launch(self) -> AsgiServer:
        """Start the process without waiting for it: several start faster side by side."""
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(), cwd=self.project, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        return self

    def wait_ready(self) -> AsgiServer:
        self.process, self.port = serve_on_a_free_port(
            self._launch_on, lambda port: self.ready(), port=self.port, keep_port=self.served,
            timeout=30, what=self.server, process=self.process,
        )  # fmt: skip
        self.served = True
        return self

    def _launch_on(self, port: int) -> subprocess.Popen:
        self.port = port
        process = self.launch().process
        assert process is not None
        return process

    def ready(self) -> bool:
        """Whether it answers (serve_on_a_free_port checks that it is this process that does)."""
        try:
            with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def restart(self) -> AsgiServer:
        self.stop()
        return self.start()

    def log_text(self) -> str:
        """What the server has written so far (empty without a log file)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")


def server_env(**overrides: str) -> dict[str, str]:
    """This process's environment as a server's: production settings (DEBUG off) with a
    throwaway secret key, loopback hosts, then `overrides`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DEBUG="0",
        SECRET_KEY="e2e-only-secret-key-not-for-production",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a manage.py command against the environment's settings; return its output."""
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{completed.stderr}")
    return completed.stdout
