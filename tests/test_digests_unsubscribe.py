"""Stopping the email: the signed link every email carries (a confirmation page, RFC 8058's
one-click POST from the mail program, no login needed, a tampered link refused with a clear
400) and the switch on the settings page, a plain form."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client
from django.urls import reverse

from digests import tokens
from digests.models import EmailPreference
from rooms.actions import post_message
from support.smtp import SmtpServer, body_of
from tests.digests import (
    SITE_URL,
    digest_settings_fixture,  # noqa: F401 (fixture)
    html_of,
    queued_digests,
    run_due_digests,
)
from tests.test_accounts_passwords import email_to_smtp, smtp  # noqa: F401 (fixtures)

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def bob_reachable(bob):
    bob.email = "bob.unsub@example.com"
    bob.save()
    return bob


def unsubscribe_path(user) -> str:
    return reverse("digests:unsubscribe", args=[tokens.token_for(user)])


def is_enabled(user) -> bool:
    return EmailPreference.objects.get(user=user).enabled


@pytest.mark.django_db(transaction=True)
def test_the_emails_own_link_unsubscribes_in_one_click(
    room, alice, bob_reachable, digest_settings: SmtpServer
):
    post_message(room, alice, "@bob hello")
    assert run_due_digests() == ["sent"]
    [email] = digest_settings.mailbox.to("bob.unsub@example.com")[-1:]
    assert email["List-Unsubscribe-Post"] == ONE_CLICK
    url = email["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")
    assert url.startswith(f"{SITE_URL}/notifications/email/unsubscribe/")
    assert url in body_of(email)
    assert url in html_of(email)

    # What a mail provider does (RFC 8058): a POST, no cookie, no CSRF token.
    client = Client(enforce_csrf_checks=True)
    answer = client.post(
        urlsplit(url).path, ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert "No more emails about missed messages" in answer.content.decode()
    preference = EmailPreference.objects.get(user=bob_reachable)
    assert not preference.enabled
    assert preference.unsubscribed_at is not None
    post_message(room, alice, "@bob are you gone?")
    assert queued_digests() == []


@pytest.mark.django_db
class TestUnsubscribePage:
    def test_the_link_shows_a_confirmation_and_changes_nothing_by_itself(self, bob_reachable):
        path = unsubscribe_path(bob_reachable)
        page = Client().get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert "bob.unsub@example.com" in html
        assert f'<form method="post" action="{path}">' in html
        assert not EmailPreference.objects.filter(user=bob_reachable, enabled=False).exists()

    def test_the_pages_button_unsubscribes_without_login_or_csrf_token(self, bob_reachable):
        answer = Client(enforce_csrf_checks=True).post(unsubscribe_path(bob_reachable))
        assert answer.status_code == 200
        assert not is_enabled(bob_reachable)
        again = Client().get(unsubscribe_path(bob_reachable))
        assert "already gets no email" in again.content.decode()
        # Unsubscribing twice is harmless.
        assert Client().post(unsubscribe_path(bob_reachable)).status_code == 200
        assert not is_enabled(bob_reachable)

    @pytest.mark.parametrize(
        "tamper",
        [
            pytest.param(
                lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="signature"
            ),
            pytest.param(lambda token: "Mg" + token[token.index(":") :], id="other-person"),
            pytest.param(lambda token: signing.dumps(2), id="unsalted"),
            pytest.param(lambda token: signing.dumps("2", salt=tokens.SALT), id="not-an-id"),
            pytest.param(lambda token: signing.dumps(99999, salt=tokens.SALT), id="no-such-person"),
            pytest.param(lambda token: "garbage", id="malformed"),
            pytest.param(lambda token: "x" * 5000, id="oversized"),
            pytest.param(lambda token: "%3Cscript%3E", id="hostile"),
        ],
    )
    def test_a_tampered_link_is_refused_with_a_clear_page(self, bob_reachable, tamper):
        token = tamper(tokens.token_for(bob_reachable))
        path = f"/notifications/email/unsubscribe/{token}/"
        for answer in (Client().get(path), Client(enforce_csrf_checks=True).post(path)):
            assert answer.status_code == 400
            html = answer.content.decode()
            assert "This unsubscribe link is damaged" in html
            assert "<script>" not in html
        assert not EmailPreference.objects.filter(enabled=False).exists()

    def test_other_methods_are_refused(self, bob_reachable):
        assert Client().put(unsubscribe_path(bob_reachable)).status_code == 405


@pytest.mark.django_db
class TestSettingsSwitch:
    @pytest.fixture
    def bob_client(self, bob_reachable) -> Client:
        client = Client()
        client.force_login(bob_reachable)
        return client

    def test_the_profile_page_has_the_switch_on_by_default(self, bob_client):
        html = bob_client.get(reverse("edit_profile")).content.decode()
        assert "Email me about mentions and direct messages I missed" in html
        assert 'name="enabled" value="on" checked' in html
        assert f'action="{reverse("digests:preference")}"' in html

    def test_turning_it_off_and_on_again(self, bob_client, bob_reachable, room, alice):
        off = bob_client.post(reverse("digests:preference"), {})
        assert off.status_code == 302
        assert off.url == reverse("edit_profile") + "#email-digest"
        assert not is_enabled(bob_reachable)
        html = bob_client.get(reverse("edit_profile")).content.decode()
        assert 'name="enabled" value="on">' in html
        missed_while_off = post_message(room, alice, "@bob while off")

        bob_client.post(reverse("digests:preference"), {"enabled": "on"})
        preference = EmailPreference.objects.get(user=bob_reachable)
        assert preference.enabled
        assert preference.unsubscribed_at is None
        # Turned on again, it starts afresh: nothing missed while off is emailed.
        assert preference.sent_up_to >= missed_while_off.pk

    def test_it_needs_a_csrf_token_a_login_and_a_post(self, bob_client, bob_reachable):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(bob_reachable)
        assert strict.post(reverse("digests:preference"), {}).status_code == 403
        anonymous = Client().post(reverse("digests:preference"), {})
        assert anonymous.status_code == 302
        assert "/accounts/login/" in anonymous.url
        assert bob_client.get(reverse("digests:preference")).status_code == 405
        assert not EmailPreference.objects.exists()

    def test_hostile_or_oversized_values_just_mean_on(self, bob_client, bob_reachable):
        bob_client.post(reverse("digests:preference"), {})
        answer = bob_client.post(reverse("digests:preference"), {"enabled": "<x>" * 1000})
        assert answer.status_code == 302
        assert is_enabled(bob_reachable)

    def test_without_an_address_the_page_says_one_is_needed(self, db):
        carol = get_user_model().objects.create_user("carol")
        client = Client()
        client.force_login(carol)
        html = client.get(reverse("edit_profile")).content.decode()
        assert "Add an email address above to get these emails." in html
