"""Byte ranges (RFC 9110, section 14): how <video> and <audio> seek, and how an interrupted
download resumes. One range per request (`bytes=a-b`, `bytes=a-`, `bytes=-n`); a request
for several, in other units or malformed is answered with the whole file, as the RFC allows.

Files are read in chunks as they are sent, never whole: on an ASGI server from an async
iterator (Django would otherwise read a synchronous one, FileResponse's included, into a
list before sending the first byte), elsewhere from a plain one.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import IO

from asgiref.sync import sync_to_async

CHUNK = 64 * 1024
RANGE = re.compile(r"\A\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*\Z", re.IGNORECASE)


class Unsatisfiable(Exception):
    """The range asks for no byte of the file (answered with 416)."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as Content-Range writes it

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def requested(header: str | None, size: int) -> ByteRange | None:
    """The one range `header` asks for within a file of `size` bytes, None for the whole
    file; Unsatisfiable when it asks only for bytes past the end."""
    match = RANGE.match(header or "")
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last `last` bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None  # malformed: ignored
    if start >= size:
        raise Unsatisfiable
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end)


Opener = Callable[[], IO[bytes]]


def chunks(open_file: Opener, start: int, length: int) -> Iterator[bytes]:
    """`length` bytes from `start`, read as they are sent; the file opens at the first."""
    with open_file() as file:
        file.seek(start)
        remaining = length
        while remaining > 0:
            data = file.read(min(CHUNK, remaining))
            if not data:
                return
            remaining -= len(data)
            yield data


async def async_chunks(open_file: Opener, start: int, length: int) -> AsyncIterator[bytes]:
    """The same for an event loop: each read in a worker thread, so the loop never waits on
    the disk (or a bucket); the file is closed however the response ends."""

    def in_thread(function: Callable, *args: object):
        return sync_to_async(function, thread_sensitive=False)(*args)

    file = await in_thread(open_file)
    try:
        await in_thread(file.seek, start)
        remaining = length
        while remaining > 0:
            data = await in_thread(file.read, min(CHUNK, remaining))
            if not data:
                return
            remaining -= len(data)
            yield data
    finally:
        await in_thread(file.close)
