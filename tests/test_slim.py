"""chatsite/slim.py: the receive queue and the writable flag a socket's protocol uses keep
asyncio's behaviour (order, waking, cancellation) without its idle deques."""

from __future__ import annotations

import asyncio

import pytest

from chatsite.slim import Flag, Inbox


async def one_pass() -> None:
    """One pass of the event loop: each task just made runs up to its first wait (asyncio
    runs ready callbacks in order; no time is waited for)."""
    await asyncio.sleep(0)


async def test_the_inbox_hands_out_in_order_and_waits_when_empty():
    inbox = Inbox()
    assert inbox.empty()
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    assert not inbox.empty()
    assert [await inbox.get(), await inbox.get()] == [1, 2]
    assert inbox.empty()
    waiting = asyncio.ensure_future(inbox.get())
    await one_pass()
    assert not waiting.done()
    inbox.put_nowait(3)
    assert await waiting == 3
    assert inbox.items is None  # nothing held
    assert inbox.getters is None


async def test_each_item_goes_to_one_getter_in_turn():
    inbox = Inbox()
    getters = [asyncio.ensure_future(inbox.get()) for _ in range(3)]
    await one_pass()
    for item in "abc":
        inbox.put_nowait(item)
    assert await asyncio.gather(*getters) == ["a", "b", "c"]


async def test_a_cancelled_getter_loses_nothing():
    inbox = Inbox()
    first = asyncio.ensure_future(inbox.get())
    second = asyncio.ensure_future(inbox.get())
    await one_pass()
    inbox.put_nowait("kept")
    first.cancel()  # woken for the item, then cancelled before it ran: the next gets it
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second == "kept"
    waiting = asyncio.ensure_future(inbox.get())
    await one_pass()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    inbox.put_nowait("later")
    assert await inbox.get() == "later"


async def test_the_flag_is_an_event():
    flag = Flag()
    assert not flag.is_set()
    waiters = [asyncio.ensure_future(flag.wait()) for _ in range(2)]
    await one_pass()
    assert not any(waiter.done() for waiter in waiters)
    flag.set()
    assert await asyncio.gather(*waiters) == [True, True]
    assert await flag.wait()  # set: no wait
    flag.clear()
    assert not flag.is_set()
    cancelled = asyncio.ensure_future(flag.wait())
    await one_pass()
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert flag.waiters == []
    flag.set()
    assert Flag(True).is_set()
