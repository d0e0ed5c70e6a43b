"""redis-server on a free loopback port, without persistence; it can be stopped and started
again on the same port (an outage, as the fault tests make one)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.processes import (
    LOOPBACK,
    MissingDependency,
    free_port,
    port_accepts,
    serve_on_a_free_port,
    stop,
    wait_until,
)


class RedisServer:
    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        # Whether it has served on its port (or was given one): from then on it keeps it.
        self.served = port is not None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> RedisServer:
        executable = shutil.which("redis-server")
        if executable is None:
            raise MissingDependency(
                "redis-server is not installed. On Debian/Ubuntu: apt-get install -y "
                "redis-server (`make test` does this by itself when run as root)."
            )

        def launch(port: int) -> subprocess.Popen:
            return subprocess.Popen(
                [executable, "--bind", LOOPBACK, "--port", str(port), "--save", "",
                 "--appendonly", "no", "--dir", str(self.directory), "--loglevel", "warning"],
                stdout=subprocess.DEVNULL,
            )  # fmt: skip

        # Listening is ready: redis-server takes commands as soon as it listens.
        self.process, self.port = serve_on_a_free_port(
            launch, lambda port: True, port=self.port, keep_port=self.served,
            timeout=15, what="redis-server",
        )  # fmt: skip
        self.served = True
        return self

    def stop(self) -> None:
        """Stop it; return once its port refuses connections (clients see it gone)."""
        if self.process is not None:
            stop(self.process)
        wait_until(lambda: not port_accepts(self.port), timeout=15, what="redis-server to stop")


@contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    server = RedisServer(directory)
    try:
        yield server.start()
    finally:
        server.stop()
