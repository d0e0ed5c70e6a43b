"""What the email-digest tests share: the site's email sent to a real SMTP server on
loopback, the digest tasks run by the worker's own code, and the clock moved forward by
moving every stored time back."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from digests.models import EmailPreference
from support.smtp import SmtpServer
from tests.link_cards import run_queued_tasks

DIGEST_TASK = "digests.tasks.send_digest"
SITE_URL = "https://chat.example.com"


@pytest.fixture(name="digest_settings")
def digest_settings_fixture(settings, email_to_smtp: SmtpServer) -> SmtpServer:
    """Emails go to the test's SMTP server at once (NOTIFY_EMAIL_AFTER=0), links to SITE_URL."""
    settings.NOTIFY_EMAIL_AFTER = 0
    settings.SITE_URL = SITE_URL
    return email_to_smtp


def run_due_digests() -> list[object]:
    """Run every digest task that is due now, as the worker does; what each returned."""
    return run_queued_tasks(DIGEST_TASK)


def queued_digests() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=DIGEST_TASK, status="READY"))


def time_passes(elapsed: timedelta) -> None:
    """As if `elapsed` went by: every stored time the digests go by moves back by it (the
    last email, the pending digest, the queued tasks' times), as the clock would move on."""
    for preference in EmailPreference.objects.all():
        if preference.last_sent_at is not None:
            preference.last_sent_at -= elapsed
        if preference.scheduled_for is not None:
            preference.scheduled_for -= elapsed
        preference.save()
    for queued in DBTaskResult.objects.filter(task_path=DIGEST_TASK, status="READY"):
        queued.run_after -= elapsed
        queued.save(update_fields=["run_after"])


def links_in(text: str) -> list[str]:
    """The links to messages in an email's text."""
    return re.findall(re.escape(settings.SITE_URL) + r"/chat/[^\s\"<]+", text)


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the email has no HTML alternative"
    return part.get_content()
