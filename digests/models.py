"""Each person's email about what they missed: whether they want it, when the last one went,
what it covered, and when the one pending is due. State and queries only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from chatsite.typing import User


class EmailPreferenceQuerySet(models.QuerySet["EmailPreference"]):
    def locked_for(self, user: User, *, baseline: int) -> EmailPreference:
        """`user`'s row, made if missing, locked until the transaction ends: whoever
        decides about their email decides alone. A new row counts messages up to id
        `baseline` as already covered, so a first email never digs up old ones."""
        preference, _created = self.select_for_update().get_or_create(
            user=user, defaults={"sent_up_to": baseline}
        )
        return preference


class EmailPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="email_preference",
    )
    enabled = models.BooleanField(_("email me about what I missed"), default=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # The highest message id an email has covered (or that was left out on purpose): the
    # next email gathers only messages after it. Ids only grow.
    sent_up_to = models.PositiveBigIntegerField(default=0)
    # When the one pending digest task is due; none pending when empty. Each person has at
    # most one, so a busy hour queues one task, not one per mention.
    scheduled_for = models.DateTimeField(null=True, blank=True)

    objects = EmailPreferenceQuerySet.as_manager()

    if TYPE_CHECKING:
        user_id: int

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")

    def __str__(self) -> str:
        return f"{self.user}: {'on' if self.enabled else 'off'}"
