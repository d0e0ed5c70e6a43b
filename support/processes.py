"""Child processes on loopback: free ports, waiting for readiness, stopping."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
# Ports a server is started on before it gives up, when other runs take them first.
PORT_TRIES = 3


class MissingDependency(RuntimeError):
    """A program the suite needs is not installed; the message says how to get it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, process: subprocess.Popen | None = None):
    """Poll `condition` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with code {process.returncode}")
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout} s")
        time.sleep(0.05)


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def listens_on(process: subprocess.Popen, port: int) -> bool:
    """Whether `process` holds the listening socket on loopback `port`.

    A port from free_port is free when picked, not when the server binds it: two test runs
    side by side (`make test` runs one per database) can pick the same one, and then the
    server that binds second exits while the first one answers for it. Readiness checks
    ask this too, so that a test never talks to another run's server.
    """
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    try:
        descriptors = list(os.scandir(f"/proc/{process.pid}/fd"))
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(descriptor.path) in sockets:
                return True
        except OSError:
            continue  # closed meanwhile
    return False


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    return inodes


def lost_its_port(process: subprocess.Popen, port: int) -> bool:
    """Whether `process` has exited while another process listens on `port`: it lost the
    port to another run (see listens_on), and can start again on another."""
    return process.poll() is not None and port_accepts(port)


def serve_on_a_free_port(
    launch: Callable[[int], subprocess.Popen],
    ready: Callable[[int], bool],
    *,
    port: int,
    keep_port: bool,
    timeout: float,
    what: str,
    process: subprocess.Popen | None = None,
) -> tuple[subprocess.Popen, int]:
    """Wait until the server `process` (or, if None, `launch(port)`'s) is `ready(port)` and
    itself listens on `port`; return it and its port.

    If another run took the port first (see listens_on), the server has exited: it is
    launched again on another free port, PORT_TRIES times in all. With `keep_port` (a
    restart, whose clients reconnect to that port) losing it fails instead. A server that
    fails is stopped.
    """
    for attempt in range(1, PORT_TRIES + 1):
        launched = process if process is not None else launch(port)
        try:
            wait_until(
                lambda: ready(port) and listens_on(launched, port),  # noqa: B023 - called at once
                timeout=timeout, what=f"{what} on port {port}", process=launched,
            )  # fmt: skip
            return launched, port
        except (RuntimeError, TimeoutError):
            if keep_port or attempt == PORT_TRIES or not lost_its_port(launched, port):
                stop(launched)
                raise
        process, port = None, free_port()
    raise AssertionError("unreachable: the last try returns or raises")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
