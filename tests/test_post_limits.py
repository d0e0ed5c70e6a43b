"""The post limit as a burst allowance: a refused post says when to come back (Retry-After),
stores nothing, and the same post (same one-time key) goes through once the wait is over,
files and all: what the page's outbox (static/htmx/chat/outbox.js) relies on."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings as django_settings

from chatsite import ratelimit
from rooms.models import Message
from support.attachment_corpus import multipart
from support.processes import free_port, wait_until
from tests.security import (
    FORM,
    HTMX,
    fresh_rate_limits,  # noqa: F401 (autouse: every test here)
    post,
)


def post_keyed(client, room, body: str, key: str):
    data = urlencode({"body": body, "client_key": key})
    return client.post(f"/chat/{room.name}/messages/", data, content_type=FORM, headers=HTMX)


def post_files_keyed(client, room, body: str, key: str, files: list[tuple[str, bytes]]):
    """The composer's post with files, as the browser sends it (multipart)."""
    parts = [("attachments", name, data, "text/plain") for name, data in files]
    data, content_type = multipart({"body": body, "client_key": key}, parts)
    return client.post(
        f"/chat/{room.name}/messages/", data, content_type=content_type, headers=HTMX
    )


def until_allowed_again(user_id: int) -> None:
    wait_until(
        lambda: not ratelimit.exhausted("post", user_id), timeout=10, what="the post limit to pass"
    )


def test_the_default_is_a_burst_of_thirty_at_one_a_second():
    assert django_settings.RATE_LIMITS["post"] == "30/30seconds"


def test_a_refused_post_says_when_to_retry_and_is_stored_once_after(
    alice, alice_client, room, settings
):
    # A window long enough for a loaded machine to post twice within it.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "2/5seconds"}
    assert post(alice_client, room, "one").status_code == 200
    assert post(alice_client, room, "two").status_code == 200
    key = str(uuid.uuid4())
    refused = post_keyed(alice_client, room, "three", key)
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 5
    assert "three</textarea>" in refused.content.decode()
    assert Message.objects.count() == 2
    # What the page does: wait until the window lets one more in, then send the same post.
    until_allowed_again(alice.pk)
    assert post_keyed(alice_client, room, "three", key).status_code == 200
    # Sent again by a page that missed the answer: still one message.
    until_allowed_again(alice.pk)
    assert post_keyed(alice_client, room, "three", key).status_code == 200
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == [
        "one",
        "two",
        "three",
    ]


def test_retry_after_counts_from_the_oldest_post_in_the_window(alice, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "3/minute"}
    for _ in range(3):
        assert ratelimit.allow("post", alice.pk)
    assert not ratelimit.allow("post", alice.pk)
    assert 50 <= ratelimit.retry_after("post", alice.pk) <= 60
    # Someone else has not waited for anything.
    assert ratelimit.retry_after("post", "someone-else") >= 1


def test_the_allowance_is_shared_across_processes(settings, redis, alice, alice_client, room):
    settings.RATE_LIMIT_STORAGE_URL = redis.url
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "3/minute"}
    for number in range(3):
        assert post(alice_client, room, f"m{number}").status_code == 200
    ratelimit.limiter.cache_clear()  # as another process would start
    refused = post(alice_client, room, "over")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 50


def test_an_unreachable_store_answers_a_short_retry(settings, alice):
    settings.RATE_LIMIT_STORAGE_URL = f"redis://127.0.0.1:{free_port()}/0"
    assert ratelimit.retry_after("post", alice.pk) == 1


def test_a_post_with_files_refused_for_rate_is_stored_once_with_them_after(
    alice, alice_client, room, settings, media_root
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "1/5seconds"}
    assert post(alice_client, room, "one").status_code == 200
    key, files = str(uuid.uuid4()), [("notes.txt", b"some notes\n"), ("more.txt", b"more\n")]
    refused = post_files_keyed(alice_client, room, "with notes", key, files)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 5
    # Nothing stored: neither the message nor its files (the page holds them to send again).
    assert Message.objects.count() == 1
    assert not [path for path in media_root.rglob("*") if path.is_file()]
    until_allowed_again(alice.pk)
    assert post_files_keyed(alice_client, room, "with notes", key, files).status_code == 200
    # Sent again (an answer the page missed): the same one message, its files once.
    until_allowed_again(alice.pk)
    assert post_files_keyed(alice_client, room, "with notes", key, files).status_code == 200
    stored = Message.objects.get(body="with notes")
    assert [file.name for file in stored.attachments.order_by("pk")] == ["notes.txt", "more.txt"]
    assert Message.objects.count() == 2


def test_an_empty_or_oversized_resend_is_refused_clearly_and_stores_nothing(alice_client, room):
    # What a page could send again from a tampered sessionStorage (the page itself drops
    # entries that are not posts it kept: e2e/test_composing.py): each a clear error.
    for body, key in [("", str(uuid.uuid4())), (" \n ", str(uuid.uuid4())), ("x" * 10_001, "")]:
        answer = post_keyed(alice_client, room, body, key)
        assert answer.status_code == 200
        assert 'id="composer-error"' in answer.content.decode()
    assert Message.objects.count() == 0
