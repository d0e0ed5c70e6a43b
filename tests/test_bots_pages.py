"""Staff's bots page (/people/bots/), the bots in the admin, and everyone's personal API
tokens on their settings page: plain forms, each key shown once."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from bots import keys
from bots.models import KEY_PREFIX, ApiKey, Bot
from rooms.actions import post_message
from tests.api_support import *  # noqa: F403 (its fixtures)
from tests.api_support import key_client

BOTS = "/people/bots/"
KEY = re.compile(rf'value="({KEY_PREFIX}[A-Za-z0-9_-]{{43}})"')


@pytest.fixture
def staff_client(alice) -> Client:
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client = Client()
    client.force_login(alice)
    return client


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "teal").save(buffer, "PNG")
    return SimpleUploadedFile("face.png", buffer.getvalue(), content_type="image/png")


def shown_key(response) -> str:
    found = KEY.findall(response.content.decode())
    assert len(found) == 1
    return found[0]


def test_staff_find_the_bots_page_from_the_people_page(staff_client, bob):
    link = f'href="{BOTS}"'
    assert link in staff_client.get("/people/").content.decode()
    bob_client = Client()
    bob_client.force_login(bob)
    assert link not in bob_client.get("/people/").content.decode()


def test_only_staff_see_the_bots_page(alice_client, bob):
    assert Client().get(BOTS).status_code == 302  # to log in
    assert alice_client.get(BOTS).status_code == 302
    assert alice_client.post(BOTS, {"username": "sneaky"}).status_code == 302
    assert not Bot.objects.exists()


def test_staff_make_a_bot_and_see_its_key_once(staff_client, media_root):
    response = staff_client.post(
        BOTS, {"username": "deploy", "display_name": "Deploys", "avatar": png()}
    )
    assert response.status_code == 200
    key = shown_key(response)
    bot = Bot.objects.get(user__username="deploy")
    assert bot.created_by.username == "alice"
    assert bot.user.profile.avatar
    assert bot.user.profile.display_name == "Deploys"
    assert key_client(key).get("/api/v1/rooms").status_code == 200
    listing = staff_client.get(BOTS).content.decode()
    assert "Deploys" in listing
    assert key not in listing
    assert key[:13] in listing


@pytest.mark.parametrize(
    "form",
    [
        {"username": ""},
        {"username": "alice"},
        {"username": "Bots"},
        {"username": "bad name"},
        {"username": "nul\x00"},
        {"username": "x" * 151},
        {"username": "ok", "display_name": "y" * 51},
        {"username": "ok", "webhook_url": "ftp://example.com/"},
        {"username": "ok", "avatar": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>")},
    ],
)
def test_a_bad_bot_form_says_what_is_wrong_and_makes_nothing(staff_client, form, media_root):
    response = staff_client.post(BOTS, form)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not KEY.search(response.content.decode())
    assert not Bot.objects.exists()


def test_staff_rotate_and_revoke_a_bots_key(staff_client, ci_bot):
    _bot, old = ci_bot
    response = staff_client.post(f"{BOTS}ci/rotate/")
    new = shown_key(response)
    assert key_client(old).get("/api/v1/rooms").status_code == 401
    assert key_client(new).get("/api/v1/rooms").status_code == 200
    assert staff_client.post(f"{BOTS}ci/revoke/").status_code == 302
    assert key_client(new).get("/api/v1/rooms").status_code == 401
    assert "no key" in staff_client.get(BOTS).content.decode()


def test_key_changes_need_staff_post_and_a_bot(staff_client, ci_bot, bob):
    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.post(f"{BOTS}ci/rotate/").status_code == 302
    assert bob_client.post(f"{BOTS}ci/revoke/").status_code == 302
    assert staff_client.get(f"{BOTS}ci/rotate/").status_code == 405
    assert staff_client.post(f"{BOTS}bob/rotate/").status_code == 404
    assert staff_client.post(f"{BOTS}nobody/revoke/").status_code == 404
    assert key_client(ci_bot[1]).get("/api/v1/rooms").status_code == 200


def test_a_bots_messages_carry_the_bot_mark(alice_client, ci_bot, room):
    post_message(room, ci_bot[0].user, "beep")
    html = alice_client.get("/chat/general/").content.decode()
    assert html.count('<span class="bot-mark">bot</span>') == 1


# The admin ---------------------------------------------------------------------------------


def test_the_admin_makes_a_bot_and_shows_its_key_once(staff_client):
    response = staff_client.post(
        "/admin/bots/bot/add/", {"username": "cron", "display_name": "", "webhook_url": ""},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    key = re.search(rf"{KEY_PREFIX}[A-Za-z0-9_-]{{43}}", response.content.decode()).group()
    assert ApiKey.objects.find(key).user.username == "cron"
    assert Bot.objects.get(user__username="cron").user.profile.is_bot


def test_the_admin_revokes_keys(staff_client, ci_bot):
    bot, key = ci_bot
    staff_client.post("/admin/bots/bot/", {"action": "revoke_keys", "_selected_action": [bot.pk]})
    assert key_client(key).get("/api/v1/rooms").status_code == 401


# Personal tokens ---------------------------------------------------------------------------


def test_the_settings_page_makes_a_token_shown_once(alice_client, alice):
    page = alice_client.get("/accounts/profile/").content.decode()
    assert 'id="api-tokens"' in page
    assert "No tokens." in page
    response = alice_client.post("/accounts/api-tokens/new/", {"name": "laptop"})
    key = shown_key(response)
    assert ApiKey.objects.find(key).user == alice
    page = alice_client.get("/accounts/profile/").content.decode()
    assert "<strong>laptop</strong>" in page
    assert key not in page
    assert key[:13] in page


@pytest.mark.parametrize("name", ["", " ", "x" * 101, "nul\x00"])
def test_a_bad_token_name_is_refused_and_makes_nothing(alice_client, name):
    response = alice_client.post("/accounts/api-tokens/new/", {"name": name})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not ApiKey.objects.exists()


def test_people_revoke_their_own_tokens_only(alice_client, alice, bob, alice_token):
    bobs = keys.issue_token(bob, "bob's")
    assert alice_client.post(f"/accounts/api-tokens/{bobs.api_key.pk}/revoke/").status_code == 404
    assert key_client(bobs.key).get("/api/v1/rooms").status_code == 200
    mine = ApiKey.objects.get(user=alice)
    assert alice_client.post(f"/accounts/api-tokens/{mine.pk}/revoke/").status_code == 302
    assert key_client(alice_token).get("/api/v1/rooms").status_code == 401
    assert "<strong>laptop</strong>" not in alice_client.get("/accounts/profile/").content.decode()


def test_tokens_need_a_login_and_a_post(alice_client):
    assert Client().post("/accounts/api-tokens/new/", {"name": "x"}).status_code == 302
    assert alice_client.get("/accounts/api-tokens/new/").status_code == 405
    assert alice_client.get("/accounts/api-tokens/").status_code == 302
    assert not ApiKey.objects.exists()
    assert get_user_model().objects.count() == 1


def test_the_admin_lists_bots_and_keys_without_showing_digests(staff_client, ci_bot):
    bot, _key = ci_bot
    api_key = ApiKey.objects.get(user=bot.user)
    for path in [
        "/admin/bots/bot/",
        f"/admin/bots/bot/{bot.pk}/change/",
        "/admin/bots/apikey/",
        f"/admin/bots/apikey/{api_key.pk}/change/",
        "/admin/bots/bot/add/",
    ]:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert api_key.hashed not in response.content.decode()
        assert bot.webhook_secret not in response.content.decode()
    assert staff_client.get("/admin/bots/apikey/add/").status_code == 403
