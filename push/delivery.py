"""One push to one device: the payload encrypted to the device's keys (RFC 8291, aes128gcm,
by pywebpush), signed for its push service (VAPID), and POSTed through the guarded client
(outbound/). What came of it tells the task what to do next (push/tasks.py)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from django.conf import settings
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

import outbound
from push import keys
from push.endpoints import endpoint_problem
from push.models import PushSubscription

logger = logging.getLogger(__name__)

# Seconds a push may take, resolving to answer; the longest Retry-After honoured.
TIMEOUT = 10.0
MAX_RETRY_AFTER = 3600.0


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    GONE = "gone"  # the subscription is no more (404, 410) or cannot be sent to: delete it
    RETRY = "retry"  # 429, 5xx, no answer: try again later
    FAILED = "failed"  # refused for good (another 4xx): logged, the subscription kept


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str
    retry_after: float | None = None  # seconds, when the push service said


def deliver(
    subscription: PushSubscription, data: bytes, vapid: Vapid02, *, urgent: bool = False
) -> Result:
    """Send `data` to the device of `subscription`."""
    endpoint = subscription.endpoint
    problem = endpoint_problem(endpoint)
    if problem is not None:
        return Result(Outcome.GONE, problem)
    try:
        body = WebPusher(subscription.info).encode(data, content_encoding="aes128gcm")["body"]
    except (WebPushException, ValueError, TypeError) as error:
        return Result(Outcome.GONE, f"its keys cannot encrypt: {error}")
    headers = {
        "TTL": str(settings.WEBPUSH_TTL),
        "Content-Encoding": "aes128gcm",
        "Urgency": "high" if urgent else "normal",
        "Authorization": keys.authorization(endpoint, vapid),
    }
    try:
        response = outbound.post(
            endpoint,
            body,
            content_type="application/octet-stream",
            headers=headers,
            max_bytes=16 * 1024,
            timeout=TIMEOUT,
        )
    except outbound.Refused as error:
        return Result(Outcome.GONE, str(error))
    except outbound.OutboundError as error:
        return Result(Outcome.RETRY, str(error))
    status = response.status
    if 200 <= status < 300:
        return Result(Outcome.DELIVERED, str(status))
    if status in (404, 410):
        return Result(Outcome.GONE, f"the push service answered {status}")
    if status == 429 or status >= 500:
        wait = retry_after(response.headers.get("Retry-After", ""))
        return Result(Outcome.RETRY, f"the push service answered {status}", wait)
    return Result(Outcome.FAILED, f"the push service answered {status}")


def retry_after(header: str) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), within limits."""
    header = header.strip()
    if not header:
        return None
    if header.isdigit():
        return min(float(header), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)
