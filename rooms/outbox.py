"""Each socket's own queue of what is not yet written to it: no socket waits for another.

The fan-out (rooms/fanout.py) hands each event of a group to every local socket in it, in
one pass of its one reader. A write waits when the peer does not read (the server's buffer
for it is full); awaited in that pass, one such socket held up every other socket of the
process (issue 10). So a socket's writes happen here, apart:

- a frame for a socket with nothing queued is written in the reader's pass when the server
  takes it without waiting, which is nearly always: no task, no queue;
- otherwise it waits in the socket's queue, which a task of the socket's own writes out.
  The task ends when the queue is empty: an idle socket holds neither;
- a queue past its bounds (frames, bytes) means the socket has fallen behind: `put` says
  so, and the fan-out closes it with 3012 (it reconnects and catches up over HTTP).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine, Generator
from dataclasses import dataclass
from typing import Any, Protocol

from channels.consumer import get_handler_name
from django.conf import settings

from rooms import protocol

logger = logging.getLogger(__name__)


class Listener(Protocol):
    """What the fan-out needs of a consumer (rooms.consumers.FragmentConsumer)."""

    async def accept(self) -> None: ...
    async def base_send(self, message: dict[str, Any]) -> None: ...
    async def close(self, code: int | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Frame:
    """An HTML event's ASGI message, built once and shared by every socket it goes to."""

    message: dict[str, Any]
    size: int  # its text's UTF-8 bytes: what counts against a socket's bound

    @classmethod
    def of(cls, html: str) -> Frame:
        return cls({"type": "websocket.send", "text": html}, len(html.encode()))


# A frame to write, or an event for one of the consumer's handlers (user_logout, ...).
Item = Frame | dict[str, Any]


class Outbox:
    """One socket's writes, in order, bounded by `max_frames` and `max_bytes` queued."""

    __slots__ = ("closed", "listener", "max_bytes", "max_frames", "open", "queue", "size", "writer")

    def __init__(self, listener: Listener, max_frames: int, max_bytes: int) -> None:
        self.listener = listener
        self.max_frames, self.max_bytes = max_frames, max_bytes
        self.queue: deque[Item] | None = None  # only while something waits
        self.size = 0  # bytes of the frames queued
        self.writer: asyncio.Task | None = None  # only while writing
        self.open = False  # until the socket is accepted, everything waits
        self.closed = False

    def put(self, item: Item) -> bool:
        """Write `item`, now or in turn, without waiting; False if the socket fell behind."""
        if self.closed:
            return True
        if self.open and self.writer is None and not self.queue and isinstance(item, Frame):
            self._write_now(item)
            return True
        size = item.size if isinstance(item, Frame) else 0
        if self.queue is None:
            self.queue = deque()
        elif len(self.queue) >= self.max_frames or self.size + size > self.max_bytes:
            return False
        self.queue.append(item)
        self.size += size
        if self.open and self.writer is None:
            self.writer = asyncio.get_running_loop().create_task(self._drain())
        return True

    def start(self) -> None:
        """The socket is accepted: write what waited for that, then the rest as it comes."""
        self.open = True
        if self.queue and self.writer is None and not self.closed:
            self.writer = asyncio.get_running_loop().create_task(self._drain())

    def discard(self) -> None:
        """Write nothing more: drop what waits and stop the writer (unless it is the caller,
        a handler closing its own socket)."""
        self.closed = True
        self.queue, self.size = None, 0
        writer, self.writer = self.writer, None
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()

    def _write_now(self, frame: Frame) -> None:
        # Run the server's send in this pass until it would wait; only then give the rest
        # a task. Only the server's send runs here, never consumer code (handlers always
        # get a task): whatever it started belongs to the socket's task, not the reader's.
        step = self._deliver(frame)
        try:
            waiting_on = step.send(None)
        except StopIteration:
            return
        self.writer = asyncio.get_running_loop().create_task(self._drain(Resumed(step, waiting_on)))

    async def _drain(self, first: Resumed | None = None) -> None:
        try:
            if first is not None:
                await first
            while self.queue:
                item = self.queue.popleft()
                self.size -= item.size if isinstance(item, Frame) else 0
                await self._deliver(item)
            self.queue = None
        finally:
            if self.writer is asyncio.current_task():
                self.writer = None

    async def _deliver(self, item: Item) -> None:
        try:
            if isinstance(item, Frame):
                await self.listener.base_send(item.message)
                return
            handler = getattr(self.listener, get_handler_name(item), None)
            if handler is not None:
                await handler(item)
        except Exception as error:  # noqa: BLE001 - one socket must not stop the others
            # Most often a socket that closed before its consumer heard of it.
            kind = protocol.HTML if isinstance(item, Frame) else item["type"]
            logger.info("Could not send %s: %s: %s", kind, type(error).__name__, error)


async def close_within(listener: Listener, code: int) -> None:
    """Close `listener`, giving up after SOCKET_CLOSE_GRACE (and a second) if the server
    waits for a peer that does not read: chatsite.connections.WebSocketProtocol never
    does, and drops the connection after that grace; plain uvicorn waits for good."""
    try:
        async with asyncio.timeout(settings.SOCKET_CLOSE_GRACE + 1):
            await listener.close(code)
    except Exception as error:  # noqa: BLE001 - closed already, or stuck: nothing to do
        logger.info("Could not close %s: %s: %s", listener, type(error).__name__, error)


def item_of(event: dict[str, Any]) -> Item:
    """What a socket gets for `event`: the frame of an HTML event, built once for every
    socket (the server only reads it), or the event itself, for its handler."""
    if event["type"] == protocol.HTML:
        return Frame.of(event["html"])
    return event


class Resumed:
    """Awaits, from where it stopped, a coroutine already run up to its first wait.

    `yield from` for a coroutine started by hand: what it yields (the future it waits on)
    goes up to the task, and what the task sends or throws (a cancellation) goes down to it.
    """

    __slots__ = ("coroutine", "waiting_on")

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self.coroutine, self.waiting_on = coroutine, waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        coroutine, waiting_on = self.coroutine, self.waiting_on
        while True:
            try:
                sent = yield waiting_on
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as error:  # noqa: BLE001 - handed on to the coroutine
                try:
                    waiting_on = coroutine.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = coroutine.send(sent)
                except StopIteration:
                    return
