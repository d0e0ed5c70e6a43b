"""One deadline for a whole fetch: resolving, connecting, TLS, headers and body, across every
redirect. Socket timeouts alone bound each read, so a server dripping a byte at a time could
hold a fetch forever; here a timer shuts the fetch's sockets down when its time is up."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from outbound.errors import OutboundError


class Deadline:
    def __init__(self, seconds: float) -> None:
        if not seconds > 0:
            raise ValueError(f"timeout must be positive, not {seconds!r}")
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        # Duplicates of the fetch's sockets: shutting one down ends every read on the socket,
        # TLS included, and being ours they are never closed (and their number reused) under us.
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def error(self) -> OutboundError:
        return OutboundError(f"no complete answer within {self.seconds:g} s")

    def remaining(self) -> float:
        """Seconds left (for each socket operation's own timeout); raises when none are."""
        left = self.ends - time.monotonic()
        if left <= 0 or self.expired:
            raise self.error()
        return left

    def check(self) -> None:
        """Raise if the time ran out: a body cut off by the shutdown may look complete."""
        if self.expired:
            raise self.error()

    def watch(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            if self.expired:
                sock.close()
                raise self.error()
            self._sockets.append(sock.dup())
        return sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # already closed by the peer
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
