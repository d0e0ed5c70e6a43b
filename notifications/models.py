"""Each person's notification level per room. Only a choice that differs from the room's
default is stored (notifications.levels.default_level), so most pairs have no row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Campfire-style: every message, only those that mention you, or none (muted)."""

    EVERYTHING = "everything", _("Everything")
    MENTIONS = "mentions", _("Mentions only")
    NOTHING = "nothing", _("Nothing (muted)")


class RoomLevel(models.Model):
    """One person's chosen level for one room, when it is not the room's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_levels"
    )
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="levels")
    level = models.CharField(_("notifications"), max_length=10, choices=Level.choices)

    if TYPE_CHECKING:
        user_id: int
        room_id: int

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "room"], name="room_level_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}: {self.level}"
