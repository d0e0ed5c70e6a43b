"""Outgoing webhooks through real processes: a uvicorn server and the real background worker
(`manage.py db_worker`) sharing one database (SQLite, or PostgreSQL on the suite's second
run), a verifying receiver on a loopback site, and a websocket that hears the bot's reply
arrive. The post never waits for the receiver: it is called by the worker, afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.http import receive_until
from support.http_sites import HttpSite, http_site, reply
from support.site import WEB_HOST, Site, running_site, suite_postgres
from support.webhook_receiver import WebhookReceiver, create_hooked_bot
from support.worker import run_queued


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """One server, no worker of its own: each test runs the worker when it means to."""
    with running_site(
        tmp_path_factory.mktemp("webhooks"),
        users=("alice",),
        servers=1,
        postgres=suite_postgres(),
        worker=False,
        RATE_LIMIT_POST="1000/second",
        WEBHOOK_RETRY_DELAYS="0,0,0",
        SITE_URL="https://chat.example.com",
    ) as site:
        yield site


@pytest.fixture(scope="module")
def web() -> Iterator[HttpSite]:
    with http_site({}, host=WEB_HOST) as web:
        yield web


def hooked(site: Site, web: HttpSite, username: str) -> WebhookReceiver:
    path = f"/{username}"
    secret = create_hooked_bot(site, username, web.url(path))
    receiver = web.routes[path] = WebhookReceiver(secret=secret)
    return receiver


async def test_the_worker_calls_the_webhook_and_the_reply_arrives_live(site, web):
    receiver = hooked(site, web, "pingbot")
    receiver.answers = [reply("Pong from the webhook")]
    alice = site.client("alice")
    alice.open_room("hooks")
    async with alice.socket("hooks") as socket:
        posted = alice.post_message("hooks", "@pingbot ping")
        assert posted.status == 200
        await receive_until(socket, "ping</")
        # Posting called nothing: the delivery waits in the queue for the worker.
        assert receiver.hits == 0

        assert "No more tasks to run" in run_queued(site.env)
        [arrived] = (await receive_until(socket, "Pong from the webhook"))[-1:]
    assert 'href="/chat/@pingbot/"' in arrived  # by the bot
    assert receiver.rejected == []
    [sent] = receiver.verified
    assert sent["message"]["body"] == "@pingbot ping"
    assert sent["room"] == {
        "name": "hooks", "kind": "public", "url": "https://chat.example.com/chat/hooks/",
    }  # fmt: skip
    assert sent["reply_url"] == "https://chat.example.com/api/v1/rooms/hooks/messages"
    # A page opened afterwards shows the reply too.
    assert "Pong from the webhook" in alice.request("/chat/hooks/").text


async def test_the_worker_retries_a_failing_receiver_with_the_same_delivery(site, web):
    receiver = hooked(site, web, "flakybot")
    receiver.answers = [reply("oops", status=500), reply("", status=504), reply("Made it")]
    alice = site.client("alice")
    alice.open_room("flaky")
    async with alice.socket("flaky") as socket:
        assert alice.post_message("flaky", "@flakybot try hard").status == 200
        run_queued(site.env)
        await receive_until(socket, "Made it")
    assert receiver.hits == 3
    deliveries = {r.headers["x-chat-delivery"] for r in web.requests if r.path == "/flakybot"}
    assert len(deliveries) == 1
