from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from rooms import broadcast
from rooms.actions.events import record_event
from rooms.models import Message, Room

if TYPE_CHECKING:
    from chatsite.typing import User


def set_topic(room: Room, topic: str, *, by: User) -> None:
    """Change the room's topic (already cleaned: one line, at most 250 characters) and leave
    a line in its history; every open page's header shows it on commit."""
    with transaction.atomic():
        record_event(room, by, Message.Kind.TOPIC, topic)
        # The event took the room's newest revision: the header's version, so a late
        # delivery of an older topic never replaces a newer one.
        Room.objects.filter(pk=room.pk).update(topic=topic)
        room.topic = topic
        transaction.on_commit(lambda: broadcast.room_header_changed(room))
