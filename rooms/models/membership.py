from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Membership(models.Model):
    """A person in a room: who may see a private room, and what each has read anywhere."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    # The newest message id this person has seen here; ids only grow, so unread is "after".
    last_read_id = models.PositiveBigIntegerField(default=0)

    class Meta:
        app_label = "rooms"
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"
