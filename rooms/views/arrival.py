"""What a person opening a room is shown first: where their unread messages begin (the page
draws its "New" divider there), and, when those are more than a page holds, the page of
history that starts there instead of the latest one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from rooms.models import Membership, Message, Page, Room

if TYPE_CHECKING:
    from chatsite.typing import User

# Read messages shown above the "New" divider on a page that starts there, for context (at
# most a fifth of the page).
READ_ABOVE_UNREAD = 5


@dataclass(frozen=True)
class Opening:
    """The first page of a room for one reader."""

    page: Page
    # Others' first message after the reader's read marker (None: nothing unread, or the
    # reader never joined, so nothing is counted, as in the lobby).
    first_unread: int | None
    # The page stops before the room's newest message (it starts at the "New" divider).
    more_below: bool = False


def first_unread(room: Room, reader: User) -> int | None:
    """The first message `reader` has not read, counted as the lobby counts unread ones."""
    last_read = (
        Membership.objects.filter(room=room, user=reader)
        .values_list("last_read_id", flat=True)
        .first()
    )
    if last_read is None:
        return None
    unread = room.messages.filter(
        pk__gt=last_read, deleted_at__isnull=True, kind=Message.Kind.MESSAGE
    ).exclude(author=reader)
    return unread.order_by("pk").values_list("pk", flat=True).first()


def opening(room: Room, reader: User) -> Opening:
    """The latest page, or, when the reader's first unread message is older than it, the
    page that holds that message near its top."""
    unread_from = first_unread(room, reader)
    latest = room.history()
    if unread_from is None or latest.oldest is None or unread_from >= latest.oldest.pk:
        return Opening(latest, unread_from)
    # More unread messages than a page: it ends this many messages after the first unread
    # (there are more than a page of them, so that message exists).
    size = settings.MESSAGE_PAGE_SIZE
    shown_after = size - min(READ_ABOVE_UNREAD, size // 5) - 1
    newer = room.messages.filter(pk__gte=unread_from).order_by("pk").values_list("pk", flat=True)
    last_shown = newer[shown_after]
    return Opening(room.history(before=last_shown + 1), unread_from, more_below=True)
