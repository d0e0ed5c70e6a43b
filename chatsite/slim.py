"""asyncio's Queue and Event as one websocket uses them, without what an idle one pays for.

An asyncio.Queue is three deques and an Event, and an Event is one more deque: some
3.8 KiB per socket held by uvicorn (its receive queue and `writable`), for a queue that is
empty and a flag that is set nearly all of a socket's life. These keep nothing but a flag,
and a list only while something waits (bench/README.md, run N).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any


class Inbox:
    """The socket's received ASGI messages: put_nowait, get and empty, as uvicorn uses an
    asyncio.Queue with no maximum size."""

    __slots__ = ("getters", "items")

    def __init__(self) -> None:
        self.items: deque[Any] | None = None
        self.getters: list[asyncio.Future[None]] | None = None

    def put_nowait(self, item: Any) -> None:
        if self.items is None:
            self.items = deque()
        self.items.append(item)
        self._wake_one()

    async def get(self) -> Any:
        while not self.items:
            getter = asyncio.get_running_loop().create_future()
            getters = self.getters = self.getters or []
            getters.append(getter)
            try:
                await getter
            except BaseException:
                # Cancelled after an item was handed over: wake the next getter instead.
                if getter.done() and not getter.cancelled() and self.items:
                    self._wake_one(getter)
                raise
            finally:
                getters.remove(getter)
                if not getters:
                    self.getters = None
        items = self.items
        item = items.popleft()
        if not items:
            self.items = None
        return item

    def empty(self) -> bool:
        return not self.items

    def _wake_one(self, skip: asyncio.Future[None] | None = None) -> None:
        for getter in self.getters or ():
            if getter is not skip and not getter.done():
                getter.set_result(None)
                return


class Flag:
    """asyncio.Event's set, clear, is_set and wait, with no deque of its own."""

    __slots__ = ("value", "waiters")

    def __init__(self, value: bool = False) -> None:
        self.value = value
        self.waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self.value

    def set(self) -> None:
        if self.value:
            return
        self.value = True
        waiters, self.waiters = self.waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self.value = False

    async def wait(self) -> bool:
        if self.value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self.waiters is None:
            self.waiters = []
        self.waiters.append(waiter)
        try:
            await waiter
            return True
        finally:
            if self.waiters is not None and waiter in self.waiters:
                self.waiters.remove(waiter)
