from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from rooms.models import Message

# Stored as code points: the longest emoji (a ZWJ sequence with skin tones) has 10.
EMOJI_MAX_LENGTH = 32


class ReactionQuerySet(models.QuerySet["Reaction"]):
    def on(self, message: Message) -> ReactionQuerySet:
        return self.filter(message=message)

    def distinct_emoji(self) -> set[str]:
        return set(self.values_list("emoji", flat=True).distinct())


class Reaction(models.Model):
    """One person's emoji on one message (each emoji at most once per person)."""

    message = models.ForeignKey("rooms.Message", on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    # One emoji, fully qualified (reactions.emojis.as_emoji), so ❤ and ❤️ are one reaction.
    emoji = models.CharField(_("emoji"), max_length=EMOJI_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReactionQuerySet.as_manager()

    if TYPE_CHECKING:
        message_id: int
        user_id: int

    class Meta:
        # Id order is reaction order: groups show in the order they were first used.
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_once")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user} on message {self.message_id}"
