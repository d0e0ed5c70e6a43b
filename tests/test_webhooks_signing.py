"""Webhook signatures: an HMAC-SHA256 of the timestamp and the body with the bot's secret,
refused when stale, tampered with, or malformed; and README's "Verifying webhooks" code,
taken from the README itself, verifies a real delivery."""

from __future__ import annotations

import inspect
import re
import time
from pathlib import Path

import pytest

from bots import signing
from bots.signing import signature, signed_headers, verify
from tests.link_cards import web_fixture  # noqa: F401 (fixture)
from tests.webhooks import hooked_bot, post_and_deliver

README = Path(__file__).resolve().parent.parent / "README.md"
SECRET = "a" * 64
BODY = b'{"message": {"body": "hi"}}'
NOW = 1_800_000_000


def test_the_signature_is_an_hmac_sha256_of_the_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, NOW, BODY) == f"sha256={expected}"
    headers = signed_headers(SECRET, BODY, "d-1", now=NOW)
    assert headers == {
        "X-Chat-Timestamp": "1800000000",
        "X-Chat-Signature": f"sha256={expected}",
        "X-Chat-Delivery": "d-1",
    }


@pytest.mark.parametrize("age", [0, 1, 299, 300, -300])
def test_a_fresh_signature_verifies(age):
    assert verify(SECRET, str(NOW), BODY, signature(SECRET, NOW, BODY), now=NOW + age)


@pytest.mark.parametrize("age", [301, 3600, -301, -86400])
def test_a_stale_or_future_timestamp_is_refused_though_correctly_signed(age):
    assert not verify(SECRET, str(NOW), BODY, signature(SECRET, NOW, BODY), now=NOW + age)


def test_the_clock_defaults_to_now():
    now = int(time.time())
    assert verify(SECRET, str(now), BODY, signature(SECRET, now, BODY))
    assert not verify(SECRET, str(now - 600), BODY, signature(SECRET, now - 600, BODY))


def test_tampering_with_anything_signed_is_refused():
    good = signature(SECRET, NOW, BODY)
    assert not verify("b" * 64, str(NOW), BODY, good, now=NOW)  # another secret
    assert not verify(SECRET, str(NOW), BODY + b" ", good, now=NOW)  # the body
    assert not verify(SECRET, str(NOW + 1), BODY, good, now=NOW)  # the timestamp
    assert not verify(SECRET, str(NOW), BODY, good.upper(), now=NOW)
    assert not verify(SECRET, str(NOW), BODY, good.removeprefix("sha256="), now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "sent"),
    [
        (None, "sha256=00"),
        ("", "sha256=00"),
        ("1800000000", None),
        ("1800000000", ""),
        (" 1800000000", "sha256=00"),
        ("-1800000000", "sha256=00"),
        ("1.8e9", "sha256=00"),
        ("١٨٠٠٠٠٠٠٠٠", "sha256=00"),  # digits, but not ASCII ones
        ("9" * 5000, "sha256=00"),
        ("1800000000", "sha256=é\x00" * 1000),
    ],
    ids=["no-timestamp", "empty", "no-signature", "empty-signature", "space", "negative",
         "float", "arabic-digits", "huge", "garbage-signature"],
)  # fmt: skip
def test_malformed_headers_are_refused_not_raised(timestamp, sent):
    assert verify(SECRET, timestamp, BODY, sent, now=NOW) is False


def readme_snippet() -> str:
    section = README.read_text(encoding="utf-8").split("\n### Verifying webhooks\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return code


def test_the_readme_quotes_the_verify_function_the_tests_use():
    assert inspect.getsource(verify) in readme_snippet()
    # The quoted code stands alone, so it spells the tolerance out: the same one.
    assert f"> {signing.TOLERANCE}:" in inspect.getsource(verify)


@pytest.mark.django_db
def test_the_readme_snippet_alone_verifies_a_real_delivery(
    room, alice, web, django_capture_on_commit_callbacks
):
    code = readme_snippet()
    imported = set(re.findall(r"^import (\w+)", code, flags=re.MULTILINE))
    assert imported == {"hashlib", "hmac", "time"}  # the standard library, nothing else
    assert "from " not in code
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    readme_verify = namespace["verify"]

    pingbot = hooked_bot(web)
    post_and_deliver(django_capture_on_commit_callbacks, room, alice, "@pingbot check me")
    [request] = web.requests
    assert len(pingbot.receiver.verified) == 1
    timestamp = request.headers["x-chat-timestamp"]
    sent = request.headers["x-chat-signature"]
    secret = pingbot.bot.webhook_secret
    assert readme_verify(secret, timestamp, request.body, sent)
    assert not readme_verify(secret, timestamp, request.body + b"x", sent)
    assert not readme_verify("wrong", timestamp, request.body, sent)
    assert not readme_verify(secret, timestamp, request.body, sent, now=int(timestamp) + 301)
