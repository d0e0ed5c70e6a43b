"""System lines: one-line events in a room's history (a topic set, someone added, leaving).

Each is a Message of its own kind whose body holds the plain data; the message partial
draws the sentence in the reader's language, rendered once per language like any message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from rooms import broadcast
from rooms.models import Message, Room

if TYPE_CHECKING:
    from chatsite.typing import User


def record_event(room: Room, actor: User, kind: Message.Kind, data: str = "") -> Message:
    """Store the line and, on commit, send it to the room's open pages (not to lobbies:
    an event is nothing to read, so it neither counts as unread nor moves the room up)."""
    with transaction.atomic():
        line = Message(room=room, author=actor, kind=kind, created_at=timezone.now())
        line.body = data
        line.revision = room.next_revision()
        line.save()
        transaction.on_commit(lambda: broadcast.message_changed(line))
    return line
