"""Getting an account: the first run on an empty site, invitations (the team's join link and
single-use links), sign-up by invitation only (SIGNUP=invite, the default), and its limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import actions
from accounts.models import CODE_LENGTH, Invitation, digest
from chatsite import ratelimit
from support.processes import PROJECT_DIR

PASSWORD = "a-long-passphrase"
User = get_user_model()


def account(username: str, **extra: str) -> dict[str, str]:
    return {"username": username, "password1": PASSWORD, "password2": PASSWORD, **extra}


@pytest.fixture(autouse=True)
def _invite_only(settings) -> None:
    settings.SIGNUP = "invite"
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture
def admin(db):
    return User.objects.create_user("admin", password=PASSWORD, is_staff=True)


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def join_path(invitation: Invitation) -> str:
    return reverse("join", args=[invitation.code])


def sign_up_through(path: str, username: str, client: Client | None = None):
    """Follow a join link, then sign up: the answer to the sign-up form."""
    client = client or Client()
    joined = client.get(path)
    assert joined.status_code == 302, joined.status_code
    assert joined.url == reverse("signup")
    return client.post(reverse("signup"), account(username))


class TestFirstRun:
    def test_an_empty_site_leads_its_first_visitor_to_the_first_run(self, db):
        response = Client().get("/chat/", follow=True)
        assert response.redirect_chain[-1] == (reverse("first_run"), 302)
        assert "Welcome to your new chat" in response.content.decode()

    def test_the_first_account_is_an_administrator_and_is_logged_in(self, db):
        client = Client()
        response = client.post(reverse("first_run"), account("founder", email="f@example.com"))
        assert response.status_code == 302
        assert response.url == reverse("rooms:lobby")
        founder = User.objects.get()
        assert (founder.username, founder.email) == ("founder", "f@example.com")
        assert founder.is_staff
        assert founder.is_superuser
        assert client.get("/chat/").status_code == 200

    def test_once_an_account_exists_the_page_is_gone(self, admin):
        assert Client().get(reverse("first_run")).status_code == 404
        assert Client().post(reverse("first_run"), account("intruder")).status_code == 404
        assert not User.objects.filter(username="intruder").exists()
        # ... and the login page is the login page again.
        assert Client().get(reverse("login")).status_code == 200

    def test_a_second_first_run_makes_nobody(self, db):
        actions.create_first_admin(User(username="one"))
        with pytest.raises(actions.FirstRunClosed):
            actions.create_first_admin(User(username="two"))
        assert list(User.objects.values_list("username", flat=True)) == ["one"]

    def test_an_invalid_form_says_why(self, db):
        response = Client().post(reverse("first_run"), {"username": "x", "password1": "a"})
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode()
        assert not User.objects.exists()


class TestInviteOnly:
    def test_the_default_is_invite_only(self):
        code = (
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SIGNUP)"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "chatsite.settings"}
        env.pop("SIGNUP", None)
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
        )
        assert result.stdout.strip() == "invite", result.stderr

    def test_sign_up_without_an_invitation_is_refused_whatever_is_posted(self, admin):
        page = Client().get(reverse("signup"))
        assert page.status_code == 403
        assert "You need an invitation" in page.content.decode()
        refused = Client().post(reverse("signup"), account("mallory"))
        assert refused.status_code == 403
        assert not User.objects.filter(username="mallory").exists()

    def test_a_forged_invitation_in_the_form_changes_nothing(self, admin):
        link = actions.regenerate_team_link(admin)
        forged = Client().post(reverse("signup"), {**account("mallory"), "invitation": link.code})
        assert forged.status_code == 403
        assert not User.objects.filter(username="mallory").exists()

    def test_the_login_page_offers_no_sign_up_but_a_reset(self, admin):
        html = Client().get(reverse("login")).content.decode()
        assert reverse("signup") not in html
        assert "Ask someone on the team for an invitation link" in html
        assert f'href="{reverse("password_reset")}">Forgot your password?' in html

    def test_open_sign_up_needs_no_invitation(self, admin, settings):
        settings.SIGNUP = "open"
        assert Client().post(reverse("signup"), account("walkin")).status_code == 302
        assert User.objects.filter(username="walkin").exists()

    @pytest.mark.parametrize("username", ["bots", "BOTS"])
    def test_a_name_that_is_a_page_under_people_is_refused(self, admin, settings, username):
        settings.SIGNUP = "open"
        response = Client().post(reverse("signup"), account(username))
        assert response.status_code == 200
        assert "That username is reserved." in response.content.decode()
        assert not User.objects.filter(username__iexact="bots").exists()


class TestTeamLink:
    def test_it_signs_up_many_people_into_the_lobby(self, admin):
        link = actions.regenerate_team_link(admin)
        for name in ("carol", "dave"):
            client = Client()
            response = sign_up_through(join_path(link), name, client)
            assert response.status_code == 302
            assert response.url == reverse("rooms:lobby")
            assert client.get(response.url).status_code == 200
        assert set(User.objects.values_list("username", flat=True)) == {"admin", "carol", "dave"}

    def test_a_regenerated_link_stops_the_old_one_at_once(self, admin):
        old = actions.regenerate_team_link(admin)
        client = Client()
        assert client.get(join_path(old)).status_code == 302  # joined, not yet signed up
        new = actions.regenerate_team_link(admin)
        refused = client.post(reverse("signup"), account("late"))
        assert refused.status_code == 403
        assert not User.objects.filter(username="late").exists()
        gone = Client().get(join_path(old))
        assert gone.status_code == 410
        assert "This invitation was withdrawn." in gone.content.decode()
        assert sign_up_through(join_path(new), "prompt").status_code == 302
        assert Invitation.objects.team_link() == new

    def test_codes_are_long_random_and_looked_up_by_digest(self, admin):
        codes = {actions.regenerate_team_link(admin).code for _ in range(20)}
        assert len(codes) == 20
        assert all(len(code) == CODE_LENGTH for code in codes)  # 256 bits, base64
        invitation = Invitation.objects.team_link()
        assert invitation.digest == digest(invitation.code) != invitation.code
        assert Invitation.objects.find(invitation.code) == invitation
        assert Invitation.objects.find(invitation.code[:-1] + "A") in (None, invitation)


class TestSingleUseLinks:
    def test_one_use_only(self, admin):
        link = actions.create_single_use(admin, None)
        assert sign_up_through(join_path(link), "first").status_code == 302
        link.refresh_from_db()
        assert link.used_by.username == "first"
        used = Client().get(join_path(link))
        assert used.status_code == 410
        assert "already been used" in used.content.decode()

    def test_two_people_holding_one_link_make_one_account(self, admin):
        link = actions.create_single_use(admin, None)
        first, second = Client(), Client()
        first.get(join_path(link))
        second.get(join_path(link))
        assert first.post(reverse("signup"), account("quick")).status_code == 302
        late = second.post(reverse("signup"), account("slow"))
        assert late.status_code == 403
        assert not User.objects.filter(username="slow").exists()

    def test_revoked_and_expired_links_are_refused_with_a_clear_page(self, admin):
        revoked = actions.create_single_use(admin, None)
        actions.revoke(revoked)
        expired = actions.create_single_use(admin, timezone.now() - timedelta(seconds=1))
        for link, reason in [(revoked, "withdrawn"), (expired, "expired")]:
            response = Client().get(join_path(link))
            assert response.status_code == 410
            assert f"This invitation {'was' if reason == 'withdrawn' else 'has'} {reason}." in (
                response.content.decode()
            )
        assert User.objects.count() == 1

    @pytest.mark.parametrize(
        "code",
        ["x", "A" * CODE_LENGTH, "A" * (CODE_LENGTH + 1), "%00" * 20, "é" * CODE_LENGTH, "%3Cb%3E"],
    )
    def test_malformed_and_unknown_codes_get_a_clear_404(self, admin, code):
        response = Client().get(f"/join/{code}/")
        assert response.status_code == 404
        assert "This invitation cannot be used" in response.content.decode()

    def test_a_link_revoked_between_join_and_sign_up_makes_nothing(self, admin):
        link = actions.create_single_use(admin, timezone.now() + timedelta(days=1))
        client = Client()
        client.get(join_path(link))
        actions.revoke(link)
        assert client.post(reverse("signup"), account("tooslow")).status_code == 403
        assert not User.objects.filter(username="tooslow").exists()

    def test_a_lost_race_on_the_last_use_says_why(self, admin):
        link = actions.create_single_use(admin, None)
        Invitation.objects.filter(pk=link.pk).update(used_at=timezone.now())
        with pytest.raises(actions.InvitationUnusable) as refused:
            actions.sign_up(User(username="racer"), link)
        assert refused.value.problem == Invitation.Problem.USED
        assert not User.objects.filter(username="racer").exists()


class TestStaffPage:
    def test_only_staff_see_it(self, admin, alice):
        assert Client().get(reverse("invitations")).status_code == 302
        client = Client()
        client.force_login(alice)
        assert client.get(reverse("invitations")).status_code == 403
        assert client.post(reverse("regenerate_team_link")).status_code == 403
        assert not Invitation.objects.exists()

    def test_staff_make_regenerate_and_revoke_links(self, admin_client, admin):
        admin_client.post(reverse("regenerate_team_link"))
        team = Invitation.objects.team_link()
        page = admin_client.get(reverse("invitations")).content.decode()
        assert f"http://testserver/join/{team.code}/" in page
        assert admin_client.post(reverse("invitations"), {"expires_in": "7"}).status_code == 302
        single = Invitation.objects.single_use().get()
        assert timedelta(days=6) < single.expires_at - timezone.now() <= timedelta(days=7)
        assert f"/join/{single.code}/" in admin_client.get(reverse("invitations")).content.decode()
        admin_client.post(reverse("revoke_invitation", args=[single.pk]))
        single.refresh_from_db()
        assert single.problem() == Invitation.Problem.REVOKED
        assert Client().get(join_path(single)).status_code == 410

    def test_an_unknown_expiry_is_an_error_not_a_link(self, admin_client):
        response = admin_client.post(reverse("invitations"), {"expires_in": "9999"})
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode()
        assert not Invitation.objects.exists()


class TestLimits:
    def test_join_is_rate_limited_per_address(self, admin, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "join": "3/minute"}
        ratelimit.reset()
        guesser = Client(REMOTE_ADDR="10.9.9.9")
        statuses = [guesser.get(f"/join/{'B' * CODE_LENGTH}/").status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        assert Client(REMOTE_ADDR="10.9.9.8").get(f"/join/{'B' * CODE_LENGTH}/").status_code == 404

    def test_sign_up_is_rate_limited_per_address(self, admin, settings):
        settings.SIGNUP = "open"
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "2/hour"}
        ratelimit.reset()
        client = Client(REMOTE_ADDR="10.9.9.7")
        assert client.post(reverse("signup"), account("one")).status_code == 302
        assert Client(REMOTE_ADDR="10.9.9.7").post(reverse("signup"), {}).status_code == 200
        refused = Client(REMOTE_ADDR="10.9.9.7").post(reverse("signup"), account("three"))
        assert refused.status_code == 429
        assert not User.objects.filter(username="three").exists()


def test_settings_take_the_email_url_from_the_environment():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
        "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatsite.settings",
        "EMAIL_URL": "submission://me%40example.com:p%40ss@mail.example.com",
        "DEFAULT_FROM_EMAIL": "chat@example.com",
    }
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert json.loads(output.stdout) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.com",
        587,
        "me@example.com",
        "p@ss",
        True,
        "chat@example.com",
    ], output.stderr
