"""API keys: made at random, stored as their SHA-256 only, shown once; rotated and revoked,
the old key stops at once. Bots: accounts that never log in, made by `createbot` too."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from bots import keys
from bots.models import KEY_PREFIX, ApiKey, Bot
from tests.api_support import *  # noqa: F403 (its fixtures)
from tests.api_support import key_client

ROOMS = "/api/v1/rooms"


def test_a_key_is_256_random_bits_stored_only_as_its_sha256(ci_bot):
    bot, key = ci_bot
    stored = ApiKey.objects.get(user=bot.user)
    assert re.fullmatch(rf"{KEY_PREFIX}[A-Za-z0-9_-]{{43}}", key)  # 32 bytes, base64url
    assert stored.hashed == hashlib.sha256(key.encode()).hexdigest()
    # Nothing stored holds the key: only its first characters, for lists.
    assert key.startswith(stored.prefix)
    assert len(stored.prefix) < 20
    assert all(key not in str(value) for value in ApiKey.objects.values().get().values())


def test_keys_are_never_the_same(alice):
    made = {keys.issue_token(alice, "t").key for _ in range(20)}
    assert len(made) == 20


def test_a_key_finds_its_owner_and_nothing_else_does(ci_bot):
    bot, key = ci_bot
    assert ApiKey.objects.find(key).user == bot.user
    for wrong in ["", key[:-1], key + "x", key.upper(), KEY_PREFIX, "\x00" + key]:
        assert ApiKey.objects.find(wrong) is None


def test_a_bot_key_works_until_rotated_then_only_the_new_one_does(ci_bot):
    bot, old = ci_bot
    assert key_client(old).get(ROOMS).status_code == 200
    new = keys.rotate_bot_key(bot).key
    assert key_client(old).get(ROOMS).status_code == 401
    assert key_client(new).get(ROOMS).status_code == 200
    assert bot.user.api_keys.live().count() == 1


def test_a_revoked_key_stops_at_once(ci_bot):
    bot, key = ci_bot
    client = key_client(key)
    assert client.get(ROOMS).status_code == 200
    keys.revoke_all(bot.user)
    assert client.get(ROOMS).status_code == 401
    assert bot.live_key() is None


def test_a_personal_token_stops_when_revoked_and_others_go_on(alice, alice_token):
    other = keys.issue_token(alice, "ci").key
    keys.revoke(ApiKey.objects.find(alice_token))
    assert key_client(alice_token).get(ROOMS).status_code == 401
    assert key_client(other).get(ROOMS).status_code == 200


def test_the_keys_of_a_deactivated_account_stop(alice, alice_token):
    alice.is_active = False
    alice.save()
    assert key_client(alice_token).get(ROOMS).status_code == 401


def test_use_is_noted_to_the_minute_not_on_every_request(ci_bot, bot_client):
    bot, _key = ci_bot
    assert bot.live_key().last_used_at is None
    bot_client.get(ROOMS)
    first = bot.live_key().last_used_at
    assert first is not None
    bot_client.get(ROOMS)
    assert bot.live_key().last_used_at == first
    ApiKey.objects.filter(user=bot.user).update(last_used_at=first - timedelta(minutes=2))
    bot_client.get(ROOMS)
    assert bot.live_key().last_used_at > first - timedelta(minutes=1)


def test_a_bot_never_logs_in_and_has_its_mark_and_webhook_secret(ci_bot):
    bot, _key = ci_bot
    assert not bot.user.has_usable_password()
    assert bot.user.profile.is_bot
    assert bot.user.profile.display_name == "CI"
    assert re.fullmatch(r"[0-9a-f]{64}", bot.webhook_secret)
    client = Client()
    assert not client.login(username="ci", password="")
    response = client.post("/accounts/login/", {"username": "ci", "password": ""})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_webhook_secrets_are_made_anew_on_rotation(ci_bot):
    bot, _key = ci_bot
    before = bot.webhook_secret
    assert keys.rotate_webhook_secret(bot) != before
    assert Bot.objects.get(pk=bot.pk).webhook_secret == bot.webhook_secret


def test_createbot_prints_the_key_alone_and_the_key_works(db):
    out = io.StringIO()
    call_command("createbot", "deploy", "--webhook", "https://ci.example.com/hook", stdout=out)
    key = out.getvalue().strip()
    assert out.getvalue() == key + "\n"
    bot = Bot.objects.get(user__username="deploy")
    assert bot.webhook_url == "https://ci.example.com/hook"
    assert ApiKey.objects.find(key).user == bot.user
    assert key_client(key).get(ROOMS).status_code == 200


@pytest.mark.parametrize(
    ("name", "webhook", "says"),
    [
        ("", "", "username"),
        ("has space", "", "username"),
        ("x" * 151, "", "username"),
        ("nul\x00", "", "username"),
        ("alice", "", "taken"),
        ("ALICE", "", "taken"),
        ("fine", "javascript:alert(1)", "webhook_url"),
        ("fine", "not a url", "webhook_url"),
    ],
)
def test_createbot_refuses_bad_names_and_urls_and_makes_nothing(alice, name, webhook, says):
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match=says):
        call_command("createbot", name, "--webhook", webhook, stdout=io.StringIO())
    assert get_user_model().objects.count() == users
    assert not Bot.objects.exists()


def test_a_key_older_than_its_rotation_time_is_still_refused(ci_bot):
    bot, key = ci_bot
    keys.rotate_bot_key(bot)
    ApiKey.objects.filter(user=bot.user).update(created_at=timezone.now() - timedelta(days=1))
    assert key_client(key).get(ROOMS).status_code == 401
