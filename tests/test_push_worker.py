"""Web push through real processes: `manage.py webpush_keys` makes the site's keys, which
go into its environment as printed; a uvicorn server takes the device's subscription; the
real worker (`manage.py db_worker`) pushes to a loopback receiver that decrypts it. A person
whose page of the room is open and visible (told over its real socket) gets no push; once
the page is hidden or closed, they do."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from redis import Redis

from support.asgi import manage, server_env
from support.http import HttpClient, receive_until
from support.processes import wait_until
from support.site import Site, running_site, suite_postgres
from support.worker import run_queued
from tests.push import receiver_fixture  # noqa: F401 (the `receiver` fixture)

KEY_LINES = re.compile(
    r"WEBPUSH_VAPID_PUBLIC_KEY=(?P<public>[A-Za-z0-9_-]{87})\n"
    r"WEBPUSH_VAPID_PRIVATE_KEY=(?P<private>[A-Za-z0-9_-]{43})\n"
)
CONTACT = "mailto:ops@chat.example"


def printed_keys() -> dict[str, str]:
    """What `manage.py webpush_keys` prints, read as an environment file would be."""
    output = manage(server_env(), "webpush_keys")
    assert KEY_LINES.fullmatch(output), output
    return dict(line.split("=", 1) for line in output.splitlines())


def test_webpush_keys_prints_a_new_pair_each_time():
    first, second = printed_keys(), printed_keys()
    assert first.keys() == {"WEBPUSH_VAPID_PUBLIC_KEY", "WEBPUSH_VAPID_PRIVATE_KEY"}
    assert first != second


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    return printed_keys()


@pytest.fixture(scope="module")
def site(tmp_path_factory, keys) -> Iterator[Site]:
    """One server, its keys as printed; the worker runs when a test says."""
    with running_site(
        tmp_path_factory.mktemp("push"),
        users=("alice", "bob"),
        servers=1,
        postgres=suite_postgres(),
        worker=False,
        WEBPUSH_CONTACT=CONTACT,
        **keys,
    ) as site:
        yield site


def subscribe(client: HttpClient, subscription: dict) -> int:
    """POST the subscription's JSON as the settings page does; the status."""
    request = urllib.request.Request(
        client.base_url + "/notifications/subscriptions/",
        data=json.dumps(subscription).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": client.cookie("csrftoken")},
    )
    with client.opener.open(request, timeout=30) as response:
        return response.status


def visible_pages(site: Site) -> int:
    """How many visible-page records the site's Redis holds."""
    with Redis.from_url(site.env["REDIS_URL"]) as redis:
        return sum(redis.zcard(key) for key in redis.scan_iter("presence:visible:*"))


def test_the_printed_keys_sign_pushes_the_receiver_decrypts(site, keys, receiver):
    alice, bob = site.client("alice"), site.client("bob")
    bob.request("/accounts/profile/")  # the settings page: its CSRF cookie
    assert subscribe(bob, receiver.subscription) == 201
    alice.open_room("keys")
    assert alice.post_message("keys", "@bob the keys work").status == 200
    assert receiver.requests() == []  # the post never waits for a push
    assert "No more tasks to run" in run_queued(site.env)
    [push] = receiver.pushes()
    assert push.vapid_key == keys["WEBPUSH_VAPID_PUBLIC_KEY"]
    assert push.claims["sub"] == CONTACT
    assert push.payload["title"] == "alice in #keys"
    assert push.payload["body"] == "@bob the keys work"
    assert push.payload["url"].startswith("/chat/keys/?around=")


async def test_nobody_is_pushed_what_they_are_looking_at(site, receiver):
    alice, bob = site.client("alice"), site.client("bob")
    bob.request("/accounts/profile/")
    assert subscribe(bob, receiver.subscription) in (200, 201)
    alice.open_room("looking")
    async with bob.socket("looking") as socket:
        await socket.send(json.dumps({"type": "visibility", "visible": True}))
        wait_until(lambda: visible_pages(site) == 1, timeout=30, what="bob's visible page")
        alice.post_message("looking", "@bob you see this already")
        await receive_until(socket, "you see this already")
        run_queued(site.env)
        assert receiver.requests() == []

        await socket.send(json.dumps({"type": "visibility", "visible": False}))
        wait_until(lambda: visible_pages(site) == 0, timeout=30, what="bob's page hidden")
        alice.post_message("looking", "@bob in another tab")
        run_queued(site.env)
        assert [push.payload["body"] for push in receiver.pushes()] == ["@bob in another tab"]

        await socket.send(json.dumps({"type": "visibility", "visible": True}))
        wait_until(lambda: visible_pages(site) == 1, timeout=30, what="bob's page shown")
    # Closing the page ends its record at once, not when it would have expired.
    wait_until(lambda: visible_pages(site) == 0, timeout=30, what="bob's page closed")
    alice.post_message("looking", "@bob gone home")
    run_queued(site.env)
    assert [push.payload["body"] for push in receiver.pushes()][-1] == "@bob gone home"


async def test_a_malformed_visibility_frame_counts_as_unexpected(site):
    bob = site.client("bob")
    bob.open_room("frames")
    async with bob.socket("frames") as socket:
        for frame in ({"type": "visibility"}, {"type": "visibility", "visible": "yes"}):
            await socket.send(json.dumps(frame))
        await socket.send(json.dumps({"type": "visibility", "visible": True}))
        wait_until(lambda: visible_pages(site) == 1, timeout=30, what="the well-formed frame")
    wait_until(lambda: visible_pages(site) == 0, timeout=30, what="the page closed")
    assert "Ignored an unexpected frame" in site.servers[0].log_text()
