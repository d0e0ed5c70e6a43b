"""A lean websocket client for load: one asyncio protocol per socket, in worker processes.

The `websockets` library spends tens of microseconds of Python per received frame; on a
2-core machine that would make the clients the bottleneck. This client does only what a
measurement needs: the RFC 6455 handshake (with the session cookie and an Origin, as a
browser sends them), unmasked server frames, optional permessage-deflate, ping/pong and
close. Each received message is matched against the benchmark token `tkn<seq>r<room>x`.

Clocks: `time.monotonic_ns()` is CLOCK_MONOTONIC, one clock for every process of the
machine, so a receipt time in a worker compares with a POST start in the orchestrator.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import re
import resource
import socket
import struct
import time
import traceback
import zlib
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

HANDSHAKE_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TOKEN = re.compile(rb"tkn(\d+)r(\d+)x")
DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"
DEFLATE_TAIL = b"\x00\x00\xff\xff"


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to its hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def mask_frame(opcode: int, payload: bytes) -> bytes:
    """One final client frame (clients must mask what they send)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    key = os.urandom(4)
    repeated = (key * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        length, "big"
    )
    return header + key + masked


@dataclass
class Recorder:
    """What one process's sockets received during one measurement."""

    receipts: dict[int, list[int]] = field(default_factory=dict)
    frames: int = 0
    payload_bytes: int = 0
    foreign: int = 0
    duplicates: int = 0
    untagged: int = 0
    stale: int = 0


class WsClient(asyncio.Protocol):
    """One websocket. `room` is the room index whose tokens it expects (-1: any)."""

    def __init__(
        self,
        recorder: Recorder,
        *,
        port: int,
        path: str,
        cookie: str = "",
        room: int = -1,
        deflate: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        self.recorder = recorder
        self.port = port
        self.path = path
        self.cookie = cookie
        self.room = room
        self.offer_deflate = deflate
        self.host = host
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.handshaking = True
        self.key = base64.b64encode(os.urandom(16))
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.inflater = None
        self.reset_inflater = False
        self.fragments: list[bytes] = []
        self.fragment_compressed = False
        self.seen = bytearray()
        self.base = 0
        self.distinct = 0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key.decode()}",
            "Sec-WebSocket-Version: 13",
            f"Origin: http://{self.host}:{self.port}",
        ]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        if self.offer_deflate:
            lines.append(f"Sec-WebSocket-Extensions: {DEFLATE_OFFER}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(1006)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic_ns()
        buffer = self.buffer
        buffer += data
        if self.handshaking and not self.finish_handshake():
            return
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            length = second & 0x7F
            header = 2
            if length == 126:
                if size - position < 4:
                    break
                length = int.from_bytes(buffer[position + 2 : position + 4], "big")
                header = 4
            elif length == 127:
                if size - position < 10:
                    break
                length = int.from_bytes(buffer[position + 2 : position + 10], "big")
                header = 10
            if size - position < header + length:
                break
            payload = bytes(buffer[position + header : position + header + length])
            position += header + length
            opcode = first & 0x0F
            if opcode in (1, 2):
                if first & 0x80:
                    self.on_message(payload, bool(first & 0x40), now)
                else:
                    self.fragments = [payload]
                    self.fragment_compressed = bool(first & 0x40)
            elif opcode == 0:
                self.fragments.append(payload)
                if first & 0x80:
                    self.on_message(b"".join(self.fragments), self.fragment_compressed, now)
                    self.fragments = []
            elif opcode == 8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                if not self.closed.done():
                    self.closed.set_result(code)
                self.send_frame(8, payload[:2])
                self.transport.close()
                break
            elif opcode == 9:
                self.send_frame(10, payload)
        del buffer[:position]

    # websocket
    def finish_handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buffer[:end]).decode("latin-1")
        del self.buffer[: end + 4]
        status, *header_lines = head.split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1(self.key + HANDSHAKE_GUID).digest()).decode()
        if " 101 " not in f"{status} " or headers.get("sec-websocket-accept") != expected:
            self.opened.set_exception(ConnectionError(f"handshake refused: {status}"))
            self.transport.close()
            return False
        extensions = headers.get("sec-websocket-extensions", "")
        if "permessage-deflate" in extensions:
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            self.reset_inflater = "server_no_context_takeover" in extensions
        self.handshaking = False
        self.opened.set_result(None)
        return True

    @property
    def deflate(self) -> bool:
        return self.inflater is not None

    def on_message(self, payload: bytes, compressed: bool, now: int) -> None:
        recorder = self.recorder
        if compressed:
            if self.reset_inflater:
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            payload = self.inflater.decompress(payload + DEFLATE_TAIL)
        recorder.frames += 1
        recorder.payload_bytes += len(payload)
        match = TOKEN.search(payload)
        if match is None:
            recorder.untagged += 1
            return
        if self.room >= 0 and int(match[2]) != self.room:
            recorder.foreign += 1
            return
        seq = int(match[1])
        if seq < self.base:
            recorder.stale += 1
            return
        seen = self.seen
        if seq >= len(seen):
            seen.extend(bytes(seq + 1 - len(seen)))
        if seen[seq]:
            recorder.duplicates += 1
            return
        seen[seq] = 1
        self.distinct += 1
        times = recorder.receipts.get(seq)
        if times is None:
            recorder.receipts[seq] = [now]
        else:
            times.append(now)

    def send_frame(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(mask_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self.send_frame(1, text.encode())

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.send_frame(8, struct.pack("!H", 1000))
            self.transport.close()

    def reset(self, base: int, capacity: int) -> None:
        """Count only messages `base` and after (earlier ones are late copies)."""
        self.seen = bytearray(capacity)
        self.base = base
        self.distinct = 0


async def open_client(client: WsClient, seconds: float, rcvbuf: int = 0) -> WsClient:
    """Connect and complete the handshake. `rcvbuf`: a small kernel receive buffer, set
    before connecting so that the window the peer sees is small from the start."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(seconds):
        if rcvbuf:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
                sock.setblocking(False)
                await loop.sock_connect(sock, (client.host, client.port))
            except BaseException:
                sock.close()
                raise
            await loop.create_connection(lambda: client, sock=sock)
        else:
            await loop.create_connection(lambda: client, client.host, client.port)
        await client.opened
    return client


@dataclass
class SocketSpec:
    port: int
    path: str
    cookie: str
    room: int
    deflate: bool = False
    # False: a socket that never reads once open (slowreaders): its receive buffer is
    # `rcvbuf` bytes and it is kept apart, out of every count of the measurement.
    reads: bool = True
    rcvbuf: int = 0


class Worker:
    """A client process: opens sockets on command and reports what they received."""

    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.recorder = Recorder()
        self.clients: list[WsClient] = []
        self.nonreaders: list[WsClient] = []
        self.connecting = 0
        # CLOCK_MONOTONIC ns of the last connect command's first connect started and last
        # handshake completed: connects per second without the orchestrator's polling.
        self.first_start = 0
        self.last_open = 0
        self.failed = 0
        self.errors: list[str] = []
        self.tasks: set[asyncio.Task] = set()

    async def serve(self) -> None:
        raise_fd_limit()
        loop = asyncio.get_running_loop()
        while True:
            command, argument = await loop.run_in_executor(None, self.pipe.recv)
            try:
                reply = await getattr(self, f"do_{command}")(argument)
            except Exception:  # noqa: BLE001 - the orchestrator shows it and stops
                reply = {"error": traceback.format_exc()}
            self.pipe.send(reply)
            if command == "exit":
                return

    async def do_connect(self, argument: dict) -> dict:
        specs: list[SocketSpec] = argument["specs"]
        self.first_start = self.last_open = 0
        task = asyncio.create_task(self.connect_all(specs, argument["concurrency"]))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return {"started": len(specs)}

    async def connect_all(self, specs: list[SocketSpec], concurrency: int) -> None:
        gate = asyncio.Semaphore(concurrency)
        self.connecting += len(specs)

        async def one(spec: SocketSpec) -> None:
            async with gate:
                now = time.monotonic_ns()
                if not self.first_start or now < self.first_start:
                    self.first_start = now
                client = WsClient(
                    self.recorder if spec.reads else Recorder(),
                    port=spec.port,
                    path=spec.path,
                    cookie=spec.cookie,
                    room=spec.room,
                    deflate=spec.deflate,
                )
                try:
                    await open_client(client, 60, spec.rcvbuf)
                    self.last_open = max(self.last_open, time.monotonic_ns())
                    if spec.reads:
                        self.clients.append(client)
                    else:
                        client.transport.pause_reading()
                        self.nonreaders.append(client)
                except (OSError, TimeoutError, ConnectionError) as error:
                    self.failed += 1
                    if len(self.errors) < 5:
                        self.errors.append(f"{type(error).__name__}: {error}")
                    if client.transport is not None:
                        client.transport.close()
                finally:
                    self.connecting -= 1

        await asyncio.gather(*(one(spec) for spec in specs))

    async def do_status(self, _argument: None) -> dict:
        closed: dict[int, int] = {}
        for client in self.clients:
            if client.closed.done():
                code = client.closed.result()
                closed[code] = closed.get(code, 0) + 1
        deflated = sum(client.deflate for client in self.clients)
        return {
            "open": len(self.clients) - sum(closed.values()),
            "connecting": self.connecting,
            "failed": self.failed,
            "closed": closed,
            "deflate": deflated,
            "errors": self.errors,
            "first_start_ns": self.first_start,
            "last_open_ns": self.last_open,
            "nonreaders": self.nonreaders_status(),
        }

    def nonreaders_status(self) -> dict:
        """Non-readers still open, and how the others ended (close code; 1006: the
        connection dropped without a close frame, e.g. reset by the server)."""
        closed: dict[int, int] = {}
        for client in self.nonreaders:
            if client.closed.done():
                closed[client.closed.result()] = closed.get(client.closed.result(), 0) + 1
        return {"open": len(self.nonreaders) - sum(closed.values()), "closed": closed}

    async def do_resume(self, seconds: float) -> dict:
        """Let the non-readers read what waits for them (a close frame, if the server closed
        them), for `seconds` or until every one has ended; report them."""
        for client in self.nonreaders:
            if client.transport is not None and not client.transport.is_closing():
                client.transport.resume_reading()
        waits = [client.closed for client in self.nonreaders if not client.closed.done()]
        if waits:
            await asyncio.wait(waits, timeout=seconds)
        return self.nonreaders_status()

    async def do_reset(self, window: tuple[int, int]) -> dict:
        base, capacity = window
        self.recorder = Recorder()
        for client in self.clients:
            client.recorder = self.recorder
            client.reset(base, capacity)
        return {}

    async def do_frames(self, _argument: None) -> tuple[int, int]:
        return self.recorder.frames, self.recorder.payload_bytes

    async def do_progress(self, _argument: None) -> int:
        return sum(client.distinct for client in self.clients)

    async def do_rooms(self, _argument: None) -> dict[int, int]:
        rooms: dict[int, int] = {}
        for client in self.clients:
            if not client.closed.done():
                rooms[client.room] = rooms.get(client.room, 0) + 1
        return rooms

    async def do_collect(self, _argument: None) -> dict:
        recorder = self.recorder
        receipts = {seq: array("q", times).tobytes() for seq, times in recorder.receipts.items()}
        return {
            "receipts": receipts,
            "per_socket": [(client.room, client.distinct) for client in self.clients],
            "frames": recorder.frames,
            "payload_bytes": recorder.payload_bytes,
            "foreign": recorder.foreign,
            "duplicates": recorder.duplicates,
            "untagged": recorder.untagged,
            "stale": recorder.stale,
        }

    async def do_close(self, _argument: None) -> dict:
        everyone = self.clients + self.nonreaders
        for client in everyone:
            client.close()
        waits = [client.closed for client in everyone if not client.closed.done()]
        if waits:
            await asyncio.wait(waits, timeout=10)
        closed = len(everyone)
        self.clients = []
        self.nonreaders = []
        self.failed = 0
        self.errors = []
        return {"closed": closed}

    async def do_exit(self, _argument: None) -> dict:
        await self.do_close(None)
        return {}


def worker_main(pipe: Connection) -> None:
    """Entry point of a client process (multiprocessing, spawn)."""
    try:
        import uvloop
    except ImportError:
        uvloop = None
    with contextlib.suppress(KeyboardInterrupt):
        if uvloop is not None:
            uvloop.run(Worker(pipe).serve())
        else:
            asyncio.run(Worker(pipe).serve())
