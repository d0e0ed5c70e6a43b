"""Changing a person's level for a room: a row only for a choice other than the default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from notifications.levels import default_level
from notifications.models import Level, RoomLevel

if TYPE_CHECKING:
    from chatsite.typing import User
    from rooms.models import Room


def set_level(user: User, room: Room, level: Level) -> None:
    """Store `user`'s `level` for `room`; choosing the default again removes the row."""
    with transaction.atomic():
        if level == default_level(room):
            RoomLevel.objects.filter(user=user, room=room).delete()
        else:
            RoomLevel.objects.update_or_create(user=user, room=room, defaults={"level": level})
