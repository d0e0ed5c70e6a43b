"""When a person's email may go: the arithmetic alone, so it is tested without a clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

# At most one email an hour per person.
MIN_INTERVAL = timedelta(hours=1)
# A pending digest this late was lost (its worker died mid-task, say): the next mention
# schedules a new one rather than wait on it for ever.
LOST_AFTER = timedelta(hours=1)


def delay() -> timedelta:
    """How long a mention or direct message stays unread before it is emailed about."""
    return timedelta(minutes=settings.NOTIFY_EMAIL_AFTER)


def next_allowed(last_sent_at: datetime | None, now: datetime) -> datetime:
    """The earliest time the next email may go: an hour after the last, else now."""
    return now if last_sent_at is None else max(now, last_sent_at + MIN_INTERVAL)


def due_at(posted_at: datetime, last_sent_at: datetime | None) -> datetime:
    """When to look again for a message posted at `posted_at`: once it has stayed unread for
    the delay, and never within the hour after the last email."""
    return next_allowed(last_sent_at, posted_at + delay())


def is_pending(scheduled_for: datetime | None, now: datetime) -> bool:
    """Whether a digest task is already on its way (and not lost)."""
    return scheduled_for is not None and scheduled_for > now - LOST_AFTER
