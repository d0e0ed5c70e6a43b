"""Signing outgoing webhooks, so a receiver can tell a request came from this site, unaltered
and recently: an HMAC-SHA256, with the bot's webhook secret, of the timestamp and the body.

`verify` is the receiver's side; README "Verifying webhooks" quotes it whole (it uses the
standard library only, so receivers copy it as it is) and tests/test_webhooks_signing.py
checks that the quoted code verifies a real delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Chat-Timestamp"
SIGNATURE_HEADER = "X-Chat-Signature"
# One id per delivery, the same on each of its retries: receivers drop a repeat by it.
DELIVERY_HEADER = "X-Chat-Delivery"
# How far a request's timestamp may be from the receiver's clock, in seconds.
TOLERANCE = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """What X-Chat-Signature carries for `body` sent at `timestamp` (unix seconds)."""
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, delivery: str, now: float | None = None) -> dict:
    """The headers of one attempt: signed afresh at each, so a retry is never stale."""
    timestamp = int(time.time() if now is None else now)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        DELIVERY_HEADER: delivery,
    }


def verify(
    secret: str, timestamp: str | None, body: bytes, signature: str | None, now: float | None = None
) -> bool:
    """True if `signature` (X-Chat-Signature) signs `body` (the raw bytes received) at
    `timestamp` (X-Chat-Timestamp) with `secret`, and that time is within 5 minutes of
    `now` (default: this machine's clock). Missing or malformed headers are simply False."""
    if not isinstance(timestamp, str) or not isinstance(signature, str):
        return False
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > 300:
        return False
    signed = timestamp.encode() + b"." + bytes(body)
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
