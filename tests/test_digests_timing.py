"""When the email may go (the arithmetic, without a clock), the settings it reads from the
environment, and the real `manage.py db_worker` sending it over SMTP for a running site."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from digests import timing
from support.processes import PROJECT_DIR
from support.site import Site, running_site, suite_postgres
from support.smtp import SmtpServer, body_of, smtp_server
from support.worker import run_queued

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class TestArithmetic:
    def test_first_email_waits_only_for_the_delay(self, settings):
        settings.NOTIFY_EMAIL_AFTER = 10
        assert timing.due_at(NOON, None) == NOON + timedelta(minutes=10)

    def test_within_the_hour_it_waits_for_the_hours_end(self, settings):
        settings.NOTIFY_EMAIL_AFTER = 10
        assert timing.due_at(NOON, NOON - timedelta(minutes=20)) == NOON + timedelta(minutes=40)
        # Posted 55 minutes after the last email: the delay ends later than the hour.
        assert timing.due_at(NOON, NOON - timedelta(minutes=55)) == NOON + timedelta(minutes=10)

    def test_after_the_hour_only_the_delay_counts(self, settings):
        settings.NOTIFY_EMAIL_AFTER = 0
        assert timing.due_at(NOON, NOON - timedelta(hours=3)) == NOON
        assert timing.next_allowed(NOON - timedelta(hours=1), NOON) == NOON
        assert timing.next_allowed(NOON - timedelta(minutes=59), NOON) > NOON

    def test_a_pending_digest_counts_until_it_is_an_hour_late(self):
        assert not timing.is_pending(None, NOON)
        assert timing.is_pending(NOON + timedelta(minutes=50), NOON)
        assert timing.is_pending(NOON - timedelta(minutes=59), NOON)
        assert not timing.is_pending(NOON - timedelta(minutes=61), NOON)


READ_SETTING = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.NOTIFY_EMAIL_AFTER)"
)


def notify_email_after(value: str) -> subprocess.CompletedProcess:
    """The setting as a server process reads it with NOTIFY_EMAIL_AFTER=`value`."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "chatsite.settings"}
    environment["NOTIFY_EMAIL_AFTER"] = value
    return subprocess.run(
        [sys.executable, "-c", READ_SETTING],
        cwd=PROJECT_DIR, env=environment, capture_output=True, text=True,
    )  # fmt: skip


class TestSetting:
    def test_ten_minutes_by_default_else_the_environments(self):
        assert notify_email_after("").stdout.strip() == "10"
        assert notify_email_after("3").stdout.strip() == "3"
        assert notify_email_after("0").stdout.strip() == "0"

    @pytest.mark.parametrize(
        ("value", "said"),
        [
            ("ten", "whole number of minutes"),
            ("1.5", "whole number of minutes"),
            ("-1", "0 or more"),
            ("9" * 5000, "whole number of minutes"),
            ("<script>", "whole number of minutes"),
        ],
    )
    def test_bad_values_stop_the_start_with_a_clear_error(self, value, said):
        result = notify_email_after(value)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert said in result.stderr


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp: SmtpServer) -> Iterator[Site]:
    with running_site(
        tmp_path_factory.mktemp("digests"),
        users=("alice", "bob"),
        servers=1,
        postgres=suite_postgres(),
        worker=False,
        EMAIL_URL=smtp.url,
        NOTIFY_EMAIL_AFTER="0",
        SITE_URL="https://chat.example.com",
    ) as site:
        yield site


def test_the_worker_process_emails_a_mention_posted_through_the_server(site, smtp):
    script = (
        "from django.contrib.auth.models import User; "
        "User.objects.filter(username='bob').update(email='bob@worker.example')"
    )
    site.python(script)
    alice = site.client("alice")
    alice.open_room("standup")
    assert alice.post_message("standup", "@bob your turn").status == 200
    assert smtp.mailbox.to("bob@worker.example") == []  # posting never sends

    assert "No more tasks to run" in run_queued(site.env)
    email = smtp.mailbox.wait_for(lambda m: "bob@worker.example" in str(m["To"]))
    assert email["Subject"] == "1 message you missed in Chat"
    assert "your turn" in body_of(email)
    assert "https://chat.example.com/chat/standup/?around=" in body_of(email)
