"""Websocket clients on bare TCP sockets, for what no library client does on purpose: a
socket that completes its handshake and then never reads (a small receive buffer, so the
server's buffers fill), one that reads again later, one that sends garbage.

Used by tests/test_slow_clients.py, tests/test_socket_limits.py and bench/slow_clients.py.
"""

from __future__ import annotations

import base64
import http.cookiejar
import os
import re
import socket
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from support.http import HttpClient
from support.processes import PROJECT_DIR

TEXT, CLOSE = 0x1, 0x8
# Linux TCP states (tcp_states.h), the first byte of TCP_INFO.
ESTABLISHED = 1
MESSAGE_ID = re.compile(rb'id="message-(\d+)"')


def sessions(env: dict[str, str], names: list[str], project: Path = PROJECT_DIR) -> dict[str, str]:
    """Users `names` (no usable password) with a signed-in session each, made in one
    manage.py run of `project`: {name: session key}. Logging in through the site hashes a
    password per login: seconds, for hundreds of sockets' worth of people."""
    script = f"""
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
for name in {names!r}:
    user = User.objects.create_user(name)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print("session", name, session.session_key)
"""
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=project, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = (line.split() for line in output.splitlines() if line.startswith("session "))
    return {name: key for _, name, key in found}


def signed_in(base_url: str, session: str) -> HttpClient:
    """An HttpClient with `session` for its session cookie; it gets its CSRF cookie from the
    first page it asks for."""
    client = HttpClient(base_url)
    host = base_url.split("//", 1)[1].split(":")[0]
    client.jar.set_cookie(
        http.cookiejar.Cookie(
            0, "sessionid", session, None, False, host, False, False, "/", True,
            False, None, False, None, None, {},
        )
    )  # fmt: skip
    assert client.request("/chat/").status == 200
    return client


@dataclass
class RawSocket:
    """One websocket on a bare TCP socket, blocking, with a receive buffer of `rcvbuf`."""

    port: int
    rcvbuf: int | None = None
    sock: socket.socket = field(init=False)
    pending: bytes = b""
    close_code: int | None = None

    def handshake(
        self, path: str, session: str | None = None, forwarded_for: str | None = None
    ) -> int:
        """Connect and send the upgrade request; the response's status (101: open)."""
        self.sock = socket.socket()
        if self.rcvbuf is not None:  # before connecting: it sets the window offered
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        self.sock.settimeout(60)
        self.sock.connect(("127.0.0.1", self.port))
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
            "Sec-WebSocket-Version": "13",
            "Origin": f"http://127.0.0.1:{self.port}",
        }
        if session:
            headers["Cookie"] = f"sessionid={session}"
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        lines = [f"GET {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        self.sock.sendall("\r\n".join(lines).encode())
        response = b""
        while not response.endswith(b"\r\n\r\n"):  # byte by byte: not one frame more
            byte = self.sock.recv(1)
            if not byte:
                return 0
            response += byte
        return int(response.split()[1])

    def tcp_state(self) -> int:
        return self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]

    @property
    def open(self) -> bool:
        """Not closed by the server: no FIN or reset has arrived."""
        return self.tcp_state() == ESTABLISHED

    def send(self, opcode: int, payload: bytes) -> None:
        """A masked frame, as clients must send."""
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        else:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def read_all(self) -> list[str]:
        """Read text frames until the server closes; answer its close as a browser does.
        The close code is kept (None: the connection was dropped, not closed)."""
        texts: list[str] = []
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except (ConnectionResetError, TimeoutError):
                return texts
            if not data:
                return texts
            self.pending += data
            for opcode, payload in self._frames():
                if opcode == TEXT:
                    texts.append(payload.decode())
                elif opcode == CLOSE:
                    self.close_code = struct.unpack("!H", payload[:2])[0] if payload else 1005
                    self.send(CLOSE, payload[:2])
                    return texts

    def _frames(self) -> list[tuple[int, bytes]]:
        frames, data, start = [], self.pending, 0
        while len(data) - start >= 2:
            opcode, length, at = data[start] & 0x0F, data[start + 1] & 0x7F, start + 2
            extra = {126: 2, 127: 8}.get(length, 0)  # bytes of an extended length
            if len(data) < at + extra:
                break
            if extra:
                length, at = int.from_bytes(data[at : at + extra]), at + extra
            if len(data) < at + length:
                break
            frames.append((opcode, data[at : at + length]))
            start = at + length
        self.pending = data[start:]
        return frames

    def close(self) -> None:
        self.sock.close()


def frame_ids(texts: list[str]) -> list[int]:
    """The ids of the messages in `texts`, in order."""
    return [int(pk) for text in texts for pk in MESSAGE_ID.findall(text.encode())]
