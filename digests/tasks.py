"""The digest task, run by the task worker (`manage.py db_worker`), never by a request: when a
person's pending digest is due, email them everything they still have not read, unless an
email went within the hour (then it waits for the hour's end) or they read it all."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from digests import gathering, mail, timing
from digests.models import EmailPreference

logger = logging.getLogger(__name__)


@task()
def send_digest(user_id: int) -> str:
    """Decide and, once the decision is committed, send; returns what happened."""
    now = timezone.now()
    with transaction.atomic():
        preference = (
            EmailPreference.objects.select_for_update()
            .select_related("user")
            .filter(user_id=user_id)
            .first()
        )
        if preference is None or preference.scheduled_for is None:
            return "superseded"  # another run of this task handled it already
        if preference.scheduled_for > now:
            return "not yet"  # a later task is the one pending
        preference.scheduled_for = None
        outcome = _decide(preference, now)
        preference.save()
    return outcome


def _decide(preference: EmailPreference, now: datetime) -> str:
    user = preference.user
    if not (preference.enabled and user.is_active and user.email):
        return "off"
    missed = gathering.missed(user, preference.sent_up_to)
    if missed is None:
        return "nothing missed"  # read meanwhile, or deleted, or muted
    allowed = timing.next_allowed(preference.last_sent_at, now)
    if allowed > now:
        # Within the hour of the last email: wait, and gather everything at once then.
        preference.scheduled_for = allowed
        enqueue(user_id=user.pk, due=allowed)
        return "later"
    email = mail.digest_email(user, missed)
    preference.last_sent_at, preference.sent_up_to = now, missed.up_to
    # The decision commits first: a rolled-back one sends nothing. A failing send fails the
    # task (the worker keeps its traceback); the next missed message schedules the next email.
    transaction.on_commit(email.send)
    logger.info("Emailed %s about %s missed messages", user.get_username(), missed.count)
    return "sent"


def enqueue(*, user_id: int, due: datetime) -> None:
    """Queue the person's digest for `due`. Call it in the transaction that sets
    `scheduled_for`: the queue is a table of the same database (django-tasks' database
    backend), so the task and the mark that it is pending commit together or not at all,
    and the worker cannot see the task before the mark."""
    send_digest.using(run_after=due).enqueue(user_id)
