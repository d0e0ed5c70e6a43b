"""What the bots app stores: bot accounts and the API keys of bots and people.

State and queries only: creating, rotating and revoking keys is in bots/keys.py.

A key is 32 random bytes (256 bits) from `secrets`. It is stored as its SHA-256, never in
clear: a random 256-bit secret cannot be guessed, so it needs no slow password hash, and a
digest (unique, indexed) finds the key in one look-up for every API request, where a salted
slow hash would need a scan or a second identifier and cost ~100 ms per request.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from chatsite.typing import User

KEY_PREFIX = "chat_"
KEY_BYTES = 32
# What lists show of a key ("chat_AbCd1234…"): enough to tell keys apart, useless to guess.
SHOWN_LENGTH = len(KEY_PREFIX) + 8
NAME_MAX_LENGTH = 100


def key_digest(key: str) -> str:
    """What look-ups use: the key's SHA-256, so the database never holds a usable key."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class Bot(models.Model):
    """An account that scripts use through the HTTP API: a user with an unusable password."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="bot"
    )
    webhook_url = models.URLField(_("webhook URL"), blank=True, max_length=500)
    # Signs outgoing webhooks (random, made with the bot, rotatable).
    webhook_secret = models.CharField(max_length=64, blank=True, default=new_webhook_secret)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    if TYPE_CHECKING:
        user_id: int

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("bot")
        verbose_name_plural = _("bots")

    def __str__(self) -> str:
        return self.user.get_username()

    def live_key(self) -> ApiKey | None:
        return ApiKey.objects.filter(user_id=self.user_id).live().first()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def live(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)

    def find(self, key: str) -> ApiKey | None:
        """The live key `key` of an active account, or None (unknown, revoked, inactive)."""
        # Equality on a digest leaks nothing useful in its timing: the key is not stored.
        live = self.live().filter(hashed=key_digest(key), user__is_active=True)
        return live.select_related("user").first()


class ApiKey(models.Model):
    """A key for the HTTP API: a bot's (one live at a time) or a person's personal token."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    # The key's first characters, shown in lists so people can tell their keys apart.
    prefix = models.CharField(max_length=SHOWN_LENGTH)
    hashed = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    if TYPE_CHECKING:
        user_id: int

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def new(cls, user: User, name: str) -> tuple[ApiKey, str]:
        """An unsaved key for `user` and the key itself, which is never stored."""
        key = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
        return cls(user=user, name=name, prefix=key[:SHOWN_LENGTH], hashed=key_digest(key)), key

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
