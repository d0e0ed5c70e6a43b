"""Test servers on ports picked free: one that another run takes first is never mistaken for
ours (two runs side by side, as `make test` runs one per database, can pick the same)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from support.processes import LOOPBACK, listens_on, stop, wait_until
from support.redis import RedisServer


def test_a_port_is_ours_only_when_our_process_listens_on_it():
    with socket.socket() as theirs:
        theirs.bind((LOOPBACK, 0))
        theirs.listen()
        port = theirs.getsockname()[1]
        listener = (
            "import socket, sys; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
            "print(s.getsockname()[1], flush=True); sys.stdin.read()"
        )
        ours = subprocess.Popen(
            [sys.executable, "-c", listener],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert ours.stdout is not None
            own_port = int(ours.stdout.readline())
            assert wait_until(lambda: listens_on(ours, own_port), timeout=10, what="listener")
            # Something answers on `port`, but not our process.
            assert not listens_on(ours, port)
        finally:
            stop(ours)


def test_a_server_whose_port_another_run_took_first_starts_on_another(tmp_path):
    with socket.socket() as theirs:
        theirs.bind((LOOPBACK, 0))
        theirs.listen()
        taken = theirs.getsockname()[1]
        server = RedisServer(tmp_path)
        server.port = taken  # as if free_port had picked it just before the other run bound it
        server.start()
        try:
            assert server.port != taken
            assert server.process is not None
            assert listens_on(server.process, server.port)
        finally:
            server.stop()


def test_a_restart_whose_port_was_taken_fails_instead_of_moving(tmp_path):
    # Its clients reconnect to that port: talking to another run's server there, or moving
    # where they do not look, would both be wrong.
    with socket.socket() as theirs:
        theirs.bind((LOOPBACK, 0))
        theirs.listen()
        taken = theirs.getsockname()[1]
        server = RedisServer(tmp_path, port=taken)  # a port given: one it has served on
        with pytest.raises(RuntimeError, match="redis-server on port"):
            server.start()
        assert server.port == taken
