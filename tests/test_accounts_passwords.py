"""Passwords: reset by email (delivered to a real SMTP server the tests start), changed by the
person, ending their other sessions and closing those sessions' sockets within a second."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.sessions import end_sessions
from chatsite import email_url, ratelimit
from chatsite.asgi import application
from support.smtp import SmtpServer, body_of, smtp_server
from tests.conftest import ORIGIN

NEW_PASSWORD = "an entirely new passphrase"
RESET_LINK = re.compile(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def email_to_smtp(settings, smtp: SmtpServer) -> SmtpServer:
    """Send the site's email to the test's SMTP server, through EMAIL_URL as deployed."""
    for name, value in email_url.parse(smtp.url).items():
        setattr(settings, name, value)
    settings.DEFAULT_FROM_EMAIL = "chat@example.com"
    ratelimit.reset()
    return smtp


@pytest.fixture
def carol(db):
    return get_user_model().objects.create_user(
        "carol", email="carol@example.com", password="correct horse battery"
    )


class TestReset:
    def test_the_email_arrives_by_smtp_and_its_link_sets_a_new_password(self, carol, email_to_smtp):
        client = Client()
        sent_before = email_to_smtp.mailbox.count()
        page = client.get(reverse("password_reset"))
        assert page.status_code == 200
        sent = client.post(reverse("password_reset"), {"email": "carol@example.com"})
        assert sent.url == reverse("password_reset_done")
        email = email_to_smtp.mailbox.wait_for(
            lambda m: "carol@example.com" in str(m["To"]), since=sent_before
        )
        assert email["From"] == "chat@example.com"
        assert "Reset your password" in email["Subject"]
        body = body_of(email)
        assert "carol" in body
        [link] = RESET_LINK.findall(body)
        # Django's confirm view moves the token into the session, then asks for the password.
        form = client.get(link, follow=True)
        assert "Choose a new password" in form.content.decode()
        done = client.post(
            form.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert done.url == reverse("password_reset_complete")
        assert Client().login(username="carol", password=NEW_PASSWORD)
        # The link works once.
        again = Client().get(link, follow=True)
        assert "This link no longer works" in again.content.decode()

    def test_an_unknown_address_gets_the_same_answer_and_no_email(self, carol, email_to_smtp):
        before = len(email_to_smtp.mailbox.messages)
        response = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})
        assert response.url == reverse("password_reset_done")
        assert email_to_smtp.mailbox.to("nobody@example.com") == []
        assert len(email_to_smtp.mailbox.messages) == before

    def test_requests_are_limited_per_address(self, carol, email_to_smtp, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": "2/hour"}
        ratelimit.reset()
        client = Client(REMOTE_ADDR="10.1.2.3")
        for _ in range(2):
            assert (
                client.post(reverse("password_reset"), {"email": "x@example.com"}).status_code
                == 302
            )
        refused = client.post(reverse("password_reset"), {"email": "carol@example.com"})
        assert refused.status_code == 429
        assert "Too many tries" in refused.content.decode()

    def test_a_reset_ends_every_session(self, carol, email_to_smtp):
        elsewhere = Client()
        elsewhere.force_login(carol)
        client = Client()
        sent_before = email_to_smtp.mailbox.count()
        client.post(reverse("password_reset"), {"email": "carol@example.com"})
        [link] = RESET_LINK.findall(body_of(email_to_smtp.mailbox.wait_for(since=sent_before)))
        form = client.get(link, follow=True)
        client.post(
            form.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert elsewhere.get("/chat/").status_code == 302


def change_password(client: Client) -> None:
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert response.url == reverse("password_change_done")


class TestChange:
    def test_it_ends_the_other_sessions_not_this_one(self, carol):
        here, elsewhere = Client(), Client()
        here.force_login(carol)
        elsewhere.force_login(carol)
        change_password(here)
        assert here.get("/chat/").status_code == 200
        assert elsewhere.get("/chat/").status_code == 302
        assert Client().login(username="carol", password=NEW_PASSWORD)

    def test_a_wrong_old_password_changes_nothing(self, carol):
        client = Client()
        client.force_login(carol)
        response = client.post(
            reverse("password_change"),
            {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 200
        assert Client().login(username="carol", password="correct horse battery")

    def test_ending_sessions_keeps_the_one_asked_for_and_other_peoples(self, carol, alice):
        clients = [Client() for _ in range(3)]
        for client in clients:
            client.force_login(carol)
        alices = Client()
        alices.force_login(alice)
        kept = clients[0].session.session_key
        assert end_sessions(carol, keep=kept) == 2
        assert [c.get("/chat/").status_code for c in clients] == [200, 302, 302]
        assert alices.get("/chat/").status_code == 200


def socket_of(client: Client) -> WebsocketCommunicator:
    cookie = (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())
    return WebsocketCommunicator(application, "/ws/lobby/", headers=[ORIGIN, cookie])


async def close_code(socket: WebsocketCommunicator, within: float) -> int | None:
    """The socket's close code if it closes within `within` seconds, else None."""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            output = await socket.receive_output(timeout=left)
        except TimeoutError:
            return None
        if output["type"] == "websocket.close":
            return output["code"]
    return None


@pytest.mark.django_db(transaction=True)
async def test_changing_the_password_closes_the_other_sessions_sockets_within_a_second(
    redis_layer,
):
    carol = await database_sync_to_async(get_user_model().objects.create_user)(
        "carol", password="correct horse battery"
    )
    here, elsewhere = Client(), Client()
    await database_sync_to_async(here.force_login)(carol)
    await database_sync_to_async(elsewhere.force_login)(carol)
    mine, theirs = socket_of(here), socket_of(elsewhere)
    assert (await mine.connect())[0]
    assert (await theirs.connect())[0]
    await database_sync_to_async(change_password)(here)
    # Closed as the change happens, not at some later check (the bound only ends a failure).
    assert await close_code(theirs, within=10.0) == 4401
    # This session's own socket stays open.
    assert await mine.receive_nothing(timeout=0.3)
    await mine.disconnect()


class TestEmailUrl:
    def test_smtp_with_starttls_ssl_and_a_timeout(self):
        assert email_url.parse("smtp://u:p%2Fq@mail.example.com:2525?tls=true&timeout=3") == {
            "EMAIL_BACKEND": email_url.SMTP,
            "EMAIL_HOST": "mail.example.com",
            "EMAIL_PORT": 2525,
            "EMAIL_HOST_USER": "u",
            "EMAIL_HOST_PASSWORD": "p/q",
            "EMAIL_USE_TLS": True,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 3.0,
        }
        smtps = email_url.parse("smtps://mail.example.com")
        assert (smtps["EMAIL_PORT"], smtps["EMAIL_USE_SSL"], smtps["EMAIL_USE_TLS"]) == (
            465,
            True,
            False,
        )
        assert email_url.parse("smtp://localhost")["EMAIL_PORT"] == 25

    def test_the_other_backends(self):
        assert email_url.parse("console:") == {"EMAIL_BACKEND": email_url.BACKENDS["console"]}
        assert email_url.parse("file:///var/mail/chat")["EMAIL_FILE_PATH"] == "/var/mail/chat"
        assert email_url.parse("memory:")["EMAIL_BACKEND"].endswith("locmem.EmailBackend")

    @pytest.mark.parametrize(
        "url",
        ["", "http://mail.example.com", "smtp://", "smtp://h?tls=1&ssl=1", "smtp://h:x", "file:"],
    )
    def test_nonsense_is_refused_with_a_reason(self, url):
        with pytest.raises(email_url.InvalidEmailUrl):
            email_url.parse(url)
