"""Bots and API keys, made and changed: every write of the bots app.

A key is shown once, when it is made (the caller gets it back here and never again); the
database keeps its SHA-256 (bots/models.py says why that is enough). Revoking a key stops
it at once: every request looks its key up afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.actions import update_profile
from accounts.models import Profile
from bots.models import NAME_MAX_LENGTH, ApiKey, Bot, new_webhook_secret

if TYPE_CHECKING:
    from chatsite.typing import User

# last_used_at is written at most this often per key: not one write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class Issued:
    """A key just made: the row, and the key itself, to show once."""

    api_key: ApiKey
    key: str


def create_bot(
    username: str,
    *,
    by: User | None,
    display_name: str = "",
    avatar: ContentFile | None = None,
    webhook_url: str = "",
) -> tuple[Bot, Issued]:
    """A bot account (no password: it never logs in), with a picture if `avatar` (a PNG
    from accounts/avatars.py), and its first key."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(username)  # unusable password
        Profile.objects.create(user=user, is_bot=True)
        profile = update_profile(user, "", display_name, "", avatar, remove_avatar=False)
        user.profile = profile  # the saved one, not a stale copy
        bot = Bot.objects.create(user=user, created_by=by, webhook_url=webhook_url)
        return bot, _issue(user, username)


def issue_token(user: User, name: str) -> Issued:
    """A person's new personal API token, next to any they already have."""
    with transaction.atomic():
        return _issue(user, name)


def rotate_bot_key(bot: Bot) -> Issued:
    """The bot's one live key replaced: the old one stops working as this commits."""
    with transaction.atomic():
        ApiKey.objects.filter(user=bot.user).live().update(revoked_at=timezone.now())
        return _issue(bot.user, bot.user.get_username())


def revoke(api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_all(user: User) -> None:
    """Every live key of `user` stopped (a bot's "Revoke key")."""
    ApiKey.objects.filter(user=user).live().update(revoked_at=timezone.now())


def rotate_webhook_secret(bot: Bot) -> str:
    bot.webhook_secret = new_webhook_secret()
    bot.save(update_fields=["webhook_secret"])
    return bot.webhook_secret


def set_webhook_url(bot: Bot, url: str) -> None:
    bot.webhook_url = url
    bot.save(update_fields=["webhook_url"])


def mark_used(api_key: ApiKey) -> None:
    """Note that `api_key` was just used (to the minute), for its owner's list."""
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def _issue(user: User, name: str) -> Issued:
    api_key, key = ApiKey.new(user, name[:NAME_MAX_LENGTH])
    api_key.save()
    return Issued(api_key, key)
