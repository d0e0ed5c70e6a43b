"""A device's push subscription: where its browser's push service takes pushes for it, and
the keys its payloads are encrypted to (RFC 8291). State and queries only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Longest endpoint taken; push services' URLs are a few hundred characters.
ENDPOINT_MAX_LENGTH = 1000


class PushSubscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=ENDPOINT_MAX_LENGTH, unique=True)
    # The browser's P-256 public key (65 bytes) and auth secret (16 bytes), base64url.
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    # What the device said it was when it subscribed, so its owner can tell devices apart.
    user_agent = models.CharField(_("device"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last push"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user} · {self.user_agent[:40] or self.endpoint[:40]}"

    @property
    def info(self) -> dict:
        """The subscription as the browser's PushSubscription.toJSON() gave it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
