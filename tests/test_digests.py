"""Email for what was missed, through real components: messages posted and committed, the
digest task run by the worker's code, the email delivered over SMTP to a server on loopback.
One email gathers everything, at most one an hour; read, muted, own and deleted messages
and people without an address get none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Profile
from digests.models import EmailPreference
from digests.tasks import send_digest
from notifications.actions import set_level
from notifications.models import Level
from rooms.actions import delete_message, mark_read, open_direct, open_room, post_message
from support.smtp import SmtpServer, body_of
from tests.digests import (
    SITE_URL,
    digest_settings_fixture,  # noqa: F401 (fixture)
    html_of,
    links_in,
    queued_digests,
    run_due_digests,
    time_passes,
)
from tests.test_accounts_passwords import email_to_smtp, smtp  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)
BOB = "bob@example.com"


@pytest.fixture
def mailbox(digest_settings: SmtpServer):
    """Bob's emails from this test on."""
    already = len(digest_settings.mailbox.to(BOB))
    return lambda: digest_settings.mailbox.to(BOB)[already:]


@pytest.fixture
def bob_reachable(bob):
    bob.email = BOB
    bob.save()
    return bob


def link_to(message) -> str:
    return f"{SITE_URL}/chat/{message.room.name}/?around={message.pk}#message-{message.pk}"


class TestOneEmailGathersWhatWasMissed:
    def test_two_missed_mentions_make_one_email_with_both_links(
        self, room, alice, bob_reachable, mailbox
    ):
        first = post_message(room, alice, "@bob are you there?")
        second = post_message(room, alice, "@bob the release is **today**")
        # One pending digest per person: the second mention queued nothing more.
        assert len(queued_digests()) == 1

        assert run_due_digests() == ["sent"]
        [email] = mailbox()
        assert email["Subject"] == "2 messages you missed in Chat"
        text, html = body_of(email), html_of(email)
        assert links_in(text) == [link_to(first), link_to(second)]
        assert "are you there?" in text
        assert "the release is today" in text
        assert "#general" in text
        assert "alice" in text
        for message in (first, second):
            assert f'href="{link_to(message)}"'.replace("&", "&amp;") in html
        preference = EmailPreference.objects.get(user=bob_reachable)
        assert preference.sent_up_to == second.pk
        assert preference.scheduled_for is None

    def test_none_again_within_the_hour_then_one_with_only_the_new(
        self, room, alice, bob_reachable, mailbox
    ):
        first = post_message(room, alice, "@bob one")
        assert run_due_digests() == ["sent"]
        sent_at = EmailPreference.objects.get(user=bob_reachable).last_sent_at

        third = post_message(room, alice, "@bob and another thing")
        # Due at the end of the hour, not now: the worker finds nothing to run yet.
        [later] = queued_digests()
        assert later.run_after == sent_at + timedelta(hours=1)
        assert run_due_digests() == []
        assert len(mailbox()) == 1
        post_message(room, alice, "@bob still there?")
        assert len(queued_digests()) == 1

        time_passes(timedelta(hours=1))
        assert run_due_digests() == ["sent"]
        assert len(mailbox()) == 2
        text = body_of(mailbox()[1])
        assert mailbox()[1]["Subject"] == "2 messages you missed in Chat"
        assert link_to(third) in links_in(text)
        assert link_to(first) not in links_in(text)
        assert "and another thing" in text
        assert "still there?" in text

    def test_a_direct_message_is_emailed_without_a_mention(self, alice, bob_reachable, mailbox):
        direct = open_direct(alice, bob_reachable)
        message = post_message(direct, alice, "lunch at noon?")
        assert run_due_digests() == ["sent"]
        [email] = mailbox()
        assert email["Subject"] == "1 message you missed in Chat"
        assert "@alice" in body_of(email)
        assert links_in(body_of(email)) == [link_to(message)]


class TestNoEmail:
    def test_read_before_the_delay(self, settings, room, alice, bob_reachable, mailbox):
        settings.NOTIFY_EMAIL_AFTER = 10
        before = timezone.now()
        post_message(room, alice, "@bob quick question")
        [queued] = queued_digests()
        assert before + timedelta(minutes=10) <= queued.run_after
        assert queued.run_after <= timezone.now() + timedelta(minutes=10)
        assert run_due_digests() == []  # not yet due

        mark_read(room, bob_reachable)
        time_passes(timedelta(minutes=10))
        assert run_due_digests() == ["nothing missed"]
        assert mailbox() == []

    def test_unread_after_the_delay_is_emailed(self, settings, room, alice, bob_reachable, mailbox):
        settings.NOTIFY_EMAIL_AFTER = 10
        post_message(room, alice, "@bob quick question")
        time_passes(timedelta(minutes=10))
        assert run_due_digests() == ["sent"]
        assert len(mailbox()) == 1

    def test_a_muted_room_sends_nothing(self, room, alice, bob_reachable, mailbox):
        set_level(bob_reachable, room, Level.NOTHING)
        post_message(room, alice, "@bob in a muted room")
        assert queued_digests() == []
        # Nor is it gathered with a mention from elsewhere.
        other = open_room("elsewhere", by=alice)
        kept = post_message(other, alice, "@bob here")
        assert run_due_digests() == ["sent"]
        [email] = mailbox()
        assert links_in(body_of(email)) == [link_to(kept)]

    def test_own_messages_and_system_lines_send_nothing(self, room, bob_reachable, mailbox):
        post_message(room, bob_reachable, "note to self, @bob")
        direct = open_direct(bob_reachable, get_user_model().objects.create_user("dora"))
        post_message(direct, bob_reachable, "hi dora")  # dora has no address: nobody
        assert queued_digests() == []
        assert mailbox() == []

    def test_people_without_an_email_address_are_skipped(self, room, alice, bob):
        post_message(room, alice, "@bob you have no address")
        assert queued_digests() == []
        assert not EmailPreference.objects.exists()

    def test_a_deleted_message_is_not_emailed(self, room, alice, bob_reachable, mailbox):
        message = post_message(room, alice, "@bob oops, wrong person")
        delete_message(message)
        assert run_due_digests() == ["nothing missed"]
        assert mailbox() == []

    def test_an_inactive_person_gets_nothing(self, room, alice, bob_reachable, mailbox):
        post_message(room, alice, "@bob are you still here?")
        bob_reachable.is_active = False
        bob_reachable.save()
        assert run_due_digests() == ["off"]
        assert mailbox() == []


def test_hostile_content_is_escaped_and_excerpted(room, alice, bob_reachable, mailbox):
    Profile.objects.create(user=alice, display_name="<b>Alice</b>")
    hostile = '<script>alert(1)</script> <img src=x onerror="alert(2)"> @bob ' + "word " * 1500
    post_message(room, alice, hostile)
    assert run_due_digests() == ["sent"]
    [email] = mailbox()
    html = html_of(email)
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>Alice" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Alice&lt;/b&gt;" in html
    text = body_of(email)
    # The plain text says what was typed, cut to an excerpt of at most 200 characters.
    [excerpt] = [line.strip() for line in text.splitlines() if "alert(1)" in line]
    assert excerpt.startswith("<script>alert(1)</script>")
    assert len(excerpt) <= 200
    assert excerpt.endswith("…")
    assert len(text) < 2000


def test_a_stray_or_early_task_never_sends_within_the_hour(room, alice, bob_reachable, mailbox):
    """Whatever queued a digest task (a lost one re-queued, say), the task itself keeps the
    hour, and a second run of one person's digest finds nothing left to do."""
    post_message(room, alice, "@bob first")
    assert len(queued_digests()) == 1
    sent_at = timezone.now() - timedelta(minutes=10)
    EmailPreference.objects.filter(user=bob_reachable).update(last_sent_at=sent_at)
    assert run_due_digests() == ["later"]
    [later] = queued_digests()
    assert later.run_after == sent_at + timedelta(hours=1)
    assert EmailPreference.objects.get(user=bob_reachable).scheduled_for == later.run_after

    send_digest.enqueue(bob_reachable.pk)  # a duplicate, due now
    assert run_due_digests() == ["not yet"]
    time_passes(timedelta(hours=1))
    assert run_due_digests() == ["sent"]
    send_digest.enqueue(bob_reachable.pk)
    assert run_due_digests() == ["superseded"]
    assert len(mailbox()) == 1
