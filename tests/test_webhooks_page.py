"""Staff's page of a bot's webhook (/people/bots/<name>/webhook/): its URL, set or cleared
with a plain form and checked; the signing secret shown, and rotated so that requests
signed with the old one stop verifying. Nobody else reaches it."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from bots.keys import create_bot
from bots.models import Bot
from bots.signing import signature, verify

pytestmark = pytest.mark.django_db

PAGE = "/people/bots/pingbot/webhook/"
ROTATE = "/people/bots/pingbot/webhook/rotate/"


@pytest.fixture
def bot() -> Bot:
    return create_bot("pingbot", by=None, webhook_url="https://hooks.example.com/ping")[0]


@pytest.fixture
def staff() -> Client:
    admin = get_user_model().objects.create_user("admin", password="x", is_staff=True)
    client = Client()
    client.force_login(admin)
    return client


def test_staff_see_the_url_and_the_secret_and_the_bots_page_links_there(staff, bot):
    page = staff.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="https://hooks.example.com/ping"' in html
    assert f'value="{bot.webhook_secret}"' in html
    assert len(bot.webhook_secret) == 64
    assert f'href="{PAGE}"' in staff.get("/people/bots/").content.decode()


def test_staff_change_and_clear_the_url(staff, bot):
    changed = staff.post(PAGE, {"webhook_url": "https://new.example.com/hook?x=1"})
    assert (changed.status_code, changed["Location"]) == (302, PAGE)
    bot.refresh_from_db()
    assert bot.webhook_url == "https://new.example.com/hook?x=1"
    assert staff.post(PAGE, {"webhook_url": ""}).status_code == 302
    bot.refresh_from_db()
    assert bot.webhook_url == ""


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("not a url at all", "Enter a valid URL."),
        ("https://example.com/" + "a" * 500, "at most 500 characters"),
        ("javascript:alert(1)", "Enter a valid URL."),
        ("https://exa\x00mple.com/", "Null characters are not allowed."),
    ],
    ids=["malformed", "too-long", "script", "nul"],
)
def test_a_bad_url_is_refused_with_the_reason_and_nothing_changes(staff, bot, url, error):
    refused = staff.post(PAGE, {"webhook_url": url})
    assert refused.status_code == 400
    assert error in refused.content.decode()
    bot.refresh_from_db()
    assert bot.webhook_url == "https://hooks.example.com/ping"


def test_rotating_the_secret_stops_the_old_one_verifying(staff, bot):
    body, now = b'{"message": {}}', int(time.time())
    old = bot.webhook_secret
    signed = signature(old, now, body)
    rotated = staff.post(ROTATE)
    assert (rotated.status_code, rotated["Location"]) == (302, PAGE)
    bot.refresh_from_db()
    assert bot.webhook_secret != old
    assert len(bot.webhook_secret) == 64
    assert not verify(bot.webhook_secret, str(now), body, signed)
    assert verify(bot.webhook_secret, str(now), body, signature(bot.webhook_secret, now, body))
    assert f'value="{bot.webhook_secret}"' in staff.get(PAGE).content.decode()


def test_rotating_takes_a_post(staff, bot):
    assert staff.get(ROTATE).status_code == 405


def test_people_who_are_not_staff_never_reach_it(alice_client, bot):
    for response in (alice_client.get(PAGE), alice_client.post(ROTATE)):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Client().get(PAGE)["Location"].startswith("/accounts/login/")
    old = bot.webhook_secret
    bot.refresh_from_db()
    assert bot.webhook_secret == old


def test_an_unknown_bot_or_a_person_is_404(staff, alice):
    assert staff.get("/people/bots/nobody/webhook/").status_code == 404
    assert staff.get("/people/bots/alice/webhook/").status_code == 404
    assert staff.post("/people/bots/alice/webhook/rotate/").status_code == 404
