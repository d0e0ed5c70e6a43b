from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from rooms import broadcast
from rooms.actions.messages import revise

if TYPE_CHECKING:
    from chatsite.typing import User
    from rooms.models import Message


def pin(message: Message, *, by: User) -> None:
    """Pin the message: a new revision of it (its "Pinned" marker) and the room's "Pinned"
    panel, both sent to every open page on commit. Pinning a pinned message does nothing."""
    if message.pinned_at is not None:
        return
    with transaction.atomic():
        message.pinned_at, message.pinned_by = timezone.now(), by
        _changed(message, "pinned_at", "pinned_by")


def unpin(message: Message) -> None:
    if message.pinned_at is None:
        return
    with transaction.atomic():
        message.pinned_at = message.pinned_by = None
        _changed(message, "pinned_at", "pinned_by")


def _changed(message: Message, *fields: str) -> None:
    revise(message, *fields)
    # After revise's own on-commit send: the panel carries the revision just taken.
    transaction.on_commit(lambda: broadcast.room_header_changed(message.room))
