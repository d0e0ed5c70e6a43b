"""uvicorn's HTTP and websocket protocols, with the bounds that they lack.

Production runs `uvicorn --http chatsite.connections:HttpProtocol --ws
chatsite.connections:WebSocketProtocol` (README, "Production"):

- HttpProtocol: a request's line and headers, a websocket's handshake included, must come
  within REQUEST_HEADER_TIMEOUT. uvicorn waits for them for ever, so a client sending a
  byte now and then (slowloris) holds a connection for as long as it likes.
- WebSocketProtocol: closing never waits for a peer that does not read, a closing
  connection is dropped after SOCKET_CLOSE_GRACE, and the kernel's send buffer is
  SOCKET_SEND_BUFFER, not up to 4 MiB. uvicorn's send() waits for room in the
  transport's buffer, for `websocket.close` too, and its transport.close() waits for the
  buffer to drain: for a peer that never reads neither ever happens, and the socket, its
  buffers and its task stay for good. And a text frame is encoded once for every socket
  it goes to: the fan-out hands the same ASGI message to each (rooms/outbox.py), and the
  frame's bytes are kept in it, where uvicorn encodes, frames and joins them per socket.
  And an open socket keeps less: not its handshake, nor asyncio's queue and event.

Both lean on uvicorn's attributes (pinned in requirements.txt); tests/test_slow_clients.py
and tests/test_socket_limits.py run them in a real uvicorn.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from typing import Any

from django.conf import settings
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from chatsite.slim import Flag, Inbox

logger = logging.getLogger(__name__)

# Bytes a websocket's transport buffers before its sends wait (rooms/outbox.py queues then).
TRANSPORT_BUFFER = 16 * 1024
# Where a `websocket.send` message keeps its text's frame, once encoded.
WIRE = "chatsite.wire"


class HttpProtocol(HttpToolsProtocol):
    header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for_headers()

    def on_message_begin(self) -> None:
        # The first request's clock started with the connection; a later one's (on a
        # kept-alive connection) with its first byte.
        super().on_message_begin()
        self._wait_for_headers()

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _wait_for_headers(self) -> None:
        if self.header_timer is None:
            timeout = settings.REQUEST_HEADER_TIMEOUT
            self.header_timer = self.loop.call_later(timeout, self._too_slow, timeout)

    def _stop_waiting(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _too_slow(self, timeout: float) -> None:
        self.header_timer = None
        logger.info("Dropped %s: no complete request headers within %g s", self.client, timeout)
        if self.transport.get_write_buffer_size():
            self.transport.abort()  # an earlier answer it does not read: close would wait
        else:
            self.transport.close()  # a clean end, which a browser's idle spare takes in stride


class WebSocketProtocol(WebSocketsSansIOProtocol):
    drop_timer: asyncio.TimerHandle | None = None
    paused = False  # the transport's buffer is over its high-water mark

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What an idle socket holds for good: lighter than asyncio's (chatsite/slim.py).
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Flag(True)  # type: ignore[assignment]

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        # Left to itself the kernel lets a socket's send buffer grow to 4 MiB when its peer
        # does not read: memory no bound of ours sees (rooms/outbox.py), per hostile socket.
        size = settings.SOCKET_SEND_BUFFER
        sock = transport.get_extra_info("socket")
        if size and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
        # The transport's own buffer (uvloop's: 64 KiB) holds a copy of each frame per
        # socket; past the kernel's it adds nothing but memory for a peer that is behind.
        transport.set_write_buffer_limits(high=TRANSPORT_BUFFER)

    def pause_writing(self) -> None:
        self.paused = True
        super().pause_writing()

    def resume_writing(self) -> None:
        self.paused = False
        super().resume_writing()

    async def send(self, message: Any) -> None:
        if message["type"] == "websocket.send":
            await self.writable.wait()
            if not self._write_shared(message):
                await super().send(message)
            return
        if message["type"] != "websocket.close":
            await super().send(message)
            if message["type"] == "websocket.accept" and self.handshake_complete:
                # uvicorn keeps the handshake's request and response for the socket's life,
                # and websockets' parser the request (some 4.5 KiB in all, more with a
                # browser's headers); nothing reads them once the socket is open.
                self.request.headers.clear()
                self.request = self.response = None  # type: ignore[assignment]
            return
        if self.paused and self.handshake_complete:
            # The peer is not reading: uvicorn would wait for room for ever. Queue the
            # close behind what it has not read, now (its send() takes no other path that
            # waits); the writer the fan-out had on this socket was cancelled before.
            self.writable.set()
            try:
                await super().send(message)
            finally:
                if self.paused:
                    self.writable.clear()
        else:
            await super().send(message)
        self._drop_later()

    def _write_shared(self, message: dict[str, Any]) -> bool:
        """Write a text message's frame, encoded once per message; False where uvicorn's
        own send is needed (not open, closing, binary, an extension such as compression)."""
        text = message.get("text")
        connection = self.conn
        if (
            text is None
            or self.disconnected
            or not self.handshake_complete
            or self.close_sent
            or self.initial_response is not None
            or connection.state is not State.OPEN
            or connection.extensions
            or connection.expect_continuation_frame
        ):
            return False
        wire = message.get(WIRE)
        if wire is None:
            # A server's frames are not masked: the same bytes suit every socket.
            wire = message[WIRE] = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
        self.transport.write(wire)
        return True

    # Every other way uvicorn closes the transport (and may wait for a drain for ever).

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self._drop_later()

    def handle_parser_exception(self) -> None:
        super().handle_parser_exception()
        self._drop_later()

    def shutdown(self) -> None:
        super().shutdown()
        self._drop_later()

    async def run_asgi(self) -> None:
        await super().run_asgi()
        self._drop_later()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.drop_timer is not None:
            self.drop_timer.cancel()
            self.drop_timer = None
        super().connection_lost(exc)

    def _drop_later(self) -> None:
        if self.drop_timer is None and not self.disconnected:
            self.drop_timer = self.loop.call_later(settings.SOCKET_CLOSE_GRACE, self._drop)

    def _drop(self) -> None:
        self.drop_timer = None
        if not self.disconnected:
            logger.info(
                "Dropped websocket %s: its close not read within %g s",
                self.client,
                settings.SOCKET_CLOSE_GRACE,
            )
            # Reset, not closed: a close would leave the kernel sending what the peer does
            # not read, and the FIN behind it, for minutes.
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.transport.abort()
