"""Outgoing webhooks in Chromium: a person mentions a bot; the site's own background worker
calls the bot's webhook (a receiver started by this test, on the loopback web host), which
verifies the signature and answers; the answer appears live, as the bot's reply, on every
open page of the room."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from e2e.conftest import messages_with, send
from support.http_sites import Exchange, HttpSite, http_site, reply
from support.site import WEB_HOST
from support.webhook_receiver import WebhookReceiver, create_hooked_bot


@pytest.fixture(scope="module")
def web() -> Iterator[HttpSite]:
    with http_site({}, host=WEB_HOST) as web:
        yield web


def pong(exchange: Exchange) -> None:
    """Answers what was asked, by whom: only ever called for a verified request."""
    asked = json.loads(exchange.request.body)
    text = f"Pong to @{asked['author']['username']}: {asked['message']['body'].split()[-1]}"
    reply(json.dumps({"body": text}), "application/json")(exchange)


def test_a_mentioned_bots_webhook_reply_appears_live(site, in_room, room_name, web):
    secret = create_hooked_bot(site, "hookbot", web.url("/hookbot"))
    receiver = web.routes["/hookbot"] = WebhookReceiver(secret=secret, answers=[pong])
    alice, bob = in_room(room_name, "alice", "bob")

    send(alice, "@hookbot are you there? marco")
    for page in (alice, bob):
        answer = messages_with(page, "Pong to @alice: marco")
        expect(answer).to_have_count(1)
        expect(answer.get_by_role("link", name="hookbot", exact=True)).to_be_visible()
        # The bot's reply quotes what it answers.
        expect(answer.locator(".reply-quote")).to_contain_text("are you there")
    assert receiver.rejected == []
    [asked] = receiver.verified
    assert asked["room"]["name"] == room_name
    assert asked["bot"] == {"username": "hookbot"}
