"""Redis failing under open pages: posting goes on, and every page catches up once it is back.

A site of its own (redis-server, two uvicorn processes, one database), since this test
stops its Redis; the static files are the e2e site's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from e2e.conftest import bodies, messages_with, send, wait_until_live
from support.site import Site, running_site, suite_postgres

# What Chromium and the htmx ws extension log while a socket cannot be opened.
SOCKET_FAILED = r"WebSocket connection to .* failed|^\[object Event\]$"
# Long enough for Redis to come back and the page's reconnect back-off (at most 10 s).
RECONNECT_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def fault_site(site: Site, tmp_path_factory) -> Iterator[Site]:
    """A site with a redis-server of its own to stop."""
    with running_site(
        tmp_path_factory.mktemp("fault-site"),
        users=["alice", "bob"],
        postgres=suite_postgres(),
        RATE_LIMIT_POST=site.env["RATE_LIMIT_POST"],
    ) as fault_site:
        yield fault_site


def test_with_redis_down_posts_are_kept_and_every_page_catches_up(
    in_room, fault_site, room_name, console
):
    console.expect(SOCKET_FAILED)
    first, second = fault_site.servers
    alice, bob = in_room(room_name, ("alice", first), ("bob", second))

    fault_site.redis.stop()
    for page in (alice, bob):
        expect(page.locator(".room")).to_have_attribute(
            "data-connection", "reconnecting", timeout=RECONNECT_TIMEOUT_MS
        )
    sent = {alice: [f"alice while Redis is down #{n}" for n in range(3)]}
    sent[bob] = [f"bob while Redis is down #{n}" for n in range(2)]
    for page, texts in sent.items():
        for text in texts:
            send(page, text)
            # The poster sees their message at once, with no error.
            expect(messages_with(page, text)).to_have_count(1)
            expect(page.get_by_role("alert")).to_have_count(0)

    fault_site.redis.start()
    everything = [*sent[alice], *sent[bob]]
    for page in (alice, bob):
        expect(page.locator("#messages .message")).to_have_count(
            len(everything), timeout=RECONNECT_TIMEOUT_MS
        )
        wait_until_live(page)
        assert bodies(page) == everything
    # Live again, both ways.
    send(bob, "Redis is back")
    expect(messages_with(alice, "Redis is back")).to_have_count(1)
    send(alice, "and so are we")
    expect(messages_with(bob, "and so are we")).to_have_count(1)
    for page in (alice, bob):
        expect(page.locator("#messages .message")).to_have_count(len(everything) + 2)
    print(
        f"\nRedis down: {len(everything)} posted on 2 servers, all shown on both pages once "
        "Redis returned, 0 lost, 0 duplicated"
    )
