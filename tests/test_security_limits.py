"""Flood limits: messages per user, failed logins per username and per address, typing
events; where the counts live, and what happens when their store is unreachable."""

from __future__ import annotations

import logging

from django.test import Client

from chatsite import ratelimit
from rooms.models import Message
from support.processes import free_port
from tests.markup import Markup
from tests.security import (
    fresh_rate_limits,  # noqa: F401 (autouse: every test here)
    post,
)

# Rate limits -------------------------------------------------------------------------------


def test_a_burst_of_thirty_goes_through_and_the_next_gets_429_and_is_not_stored(
    alice_client, room, bob
):
    # The default allowance (RATE_LIMIT_POST "30/30seconds"): a burst of 30, then wait.
    for number in range(30):
        assert post(alice_client, room, f"message {number}").status_code == 200
    refused = post(alice_client, room, "one too many")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    page = Markup(refused.content.decode())
    assert "composer-error" in page.ids
    assert str(ratelimit.TOO_MANY_MESSAGES) in refused.content.decode()
    # What was typed is kept, to send again in a moment.
    assert "one too many</textarea>" in refused.content.decode()
    assert "hx-swap-oob" not in refused.content.decode()
    assert Message.objects.count() == 30
    # Without JavaScript the whole page comes back with the same error and the text kept.
    page = post(alice_client, room, "again", htmx=False)
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) >= 1
    assert str(ratelimit.TOO_MANY_MESSAGES) in page.content.decode()
    assert "again</textarea>" in page.content.decode()
    assert Message.objects.count() == 30
    # Other users are not affected.
    bob_client = Client()
    bob_client.force_login(bob)
    assert post(bob_client, room, "bob is fine").status_code == 200
    assert Message.objects.count() == 31


def test_the_post_limit_is_configurable(alice_client, room, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "2/minute"}
    assert [post(alice_client, room, f"m{n}").status_code for n in range(3)] == [200, 200, 429]


def test_invalid_messages_do_not_use_up_the_limit(alice_client, room):
    for _ in range(10):
        assert post(alice_client, room, "   ").status_code == 200
    assert post(alice_client, room, "still allowed").status_code == 200
    assert Message.objects.get().body == "still allowed"


def test_limits_live_in_redis_when_configured(settings, redis, alice_client, room):
    settings.RATE_LIMIT_STORAGE_URL = redis.url
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "5/5seconds"}
    for number in range(5):
        assert post(alice_client, room, f"m{number}").status_code == 200
    # A new limiter (as in another process) sees the same counts.
    ratelimit.limiter.cache_clear()
    assert post(alice_client, room, "over").status_code == 429


def test_an_unreachable_limit_store_lets_posts_through_and_logs_it(
    settings, alice_client, room, caplog
):
    settings.RATE_LIMIT_STORAGE_URL = f"redis://127.0.0.1:{free_port()}/0"
    with caplog.at_level(logging.ERROR, logger="chatsite.ratelimit"):
        statuses = [post(alice_client, room, f"m{n}").status_code for n in range(7)]
    assert statuses == [200] * 7
    assert Message.objects.count() == 7
    assert all(r.getMessage().startswith("Rate limit post unchecked") for r in caplog.records)
    assert len(caplog.records) == 7


def test_typing_events_are_limited_per_user():
    allowed = [ratelimit.allow("typing", 1) for _ in range(31)]
    assert allowed == [True] * 30 + [False]
    assert ratelimit.allow("typing", 2)


async def test_the_limit_can_be_checked_from_a_consumer():
    assert await ratelimit.allow_async("typing", 1)


LOGIN = "/accounts/login/"


def try_login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_failed_logins_are_limited_per_username(alice, bob):
    client = Client()
    for _ in range(5):
        response = try_login(client, "alice", "wrong")
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content
    # Now even the right password is not checked: guessing has stopped paying off.
    refused = try_login(client, "alice", "correct horse battery")
    assert refused.status_code == 429
    assert str(ratelimit.TOO_MANY_LOGINS) in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    assert try_login(Client(), "bob", "correct horse battery").status_code == 302


def test_failed_logins_are_limited_per_address(db):
    client = Client(REMOTE_ADDR="127.0.0.7")
    for number in range(30):
        assert try_login(client, f"nobody{number}", "guess").status_code == 200
    assert try_login(client, "someone-else", "guess").status_code == 429
    assert try_login(Client(REMOTE_ADDR="127.0.0.8"), "someone-else", "guess").status_code == 200


def test_successful_logins_are_not_counted(alice):
    for _ in range(10):
        client = Client()
        assert try_login(client, "alice", "correct horse battery").status_code == 302
