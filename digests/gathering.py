"""What a person missed: mentions of them and messages in their direct conversations,
still unread, not deleted, not in a room they muted, and after what the last email covered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from notifications.levels import Level, level_for
from rooms.models import Membership, Message, Room

if TYPE_CHECKING:
    from chatsite.typing import User

# The most messages one email lists; the rest are counted, and a link leads to the chat.
MAX_LISTED = 50


@dataclass(frozen=True)
class Missed:
    count: int
    listed: list[Message]  # the oldest MAX_LISTED, with their rooms and authors
    up_to: int  # the highest id among all of them


def missed(user: User, after: int) -> Missed | None:
    """What `user` missed after message id `after`, or None when nothing."""
    messages = unmuted(user, candidates(user, after))
    up_to = messages.aggregate(up_to=Max("pk"))["up_to"]
    if up_to is None:
        return None
    listed = messages.select_related("room", "author__profile")[:MAX_LISTED]
    return Missed(messages.count(), list(listed), up_to)


def candidates(user: User, after: int) -> QuerySet[Message]:
    """Messages with ids over `after` that mention `user` or are in their direct
    conversations, by others, still unread by them, in rooms they may see."""
    theirs = Membership.objects.filter(user=user)
    mentioned = Message.mentions.through.objects.filter(user_id=user.pk).values("message_id")
    directs = theirs.filter(room__kind=Room.Kind.DIRECT).values("room_id")
    # Without a membership nothing of the room is read yet (reading a room joins it).
    read_up_to = theirs.filter(room=OuterRef("room")).values("last_read_id")[:1]
    return (
        Message.objects.filter(Q(pk__in=mentioned) | Q(room_id__in=directs), pk__gt=after)
        .filter(Q(room__kind=Room.Kind.PUBLIC) | Q(room_id__in=theirs.values("room_id")))
        .filter(kind=Message.Kind.MESSAGE, deleted_at__isnull=True)
        .exclude(author_id=user.pk)
        .alias(read_up_to=Coalesce(Subquery(read_up_to), Value(0)))
        .filter(pk__gt=F("read_up_to"))
        .order_by("pk")
    )


def unmuted(user: User, messages: QuerySet[Message]) -> QuerySet[Message]:
    """`messages` without those of rooms `user` muted (notification level "nothing")."""
    room_ids = messages.order_by().values("room_id").distinct()
    muted = [room.pk for room in Room.objects.filter(pk__in=room_ids) if is_muted(user, room)]
    return messages.exclude(room_id__in=muted)


def is_muted(user: User, room: Room) -> bool:
    return level_for(user, room) == Level.NOTHING
