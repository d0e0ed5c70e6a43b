"""Who is notified of what: the one server-side rule that the page (static/htmx/chat/
levels.js mirrors it), web push and email digests all follow. Pure queries, no side effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, Subquery

from notifications.models import Level, RoomLevel

if TYPE_CHECKING:
    from chatsite.typing import AnyUser, User
    from rooms.models import Message, Room

__all__ = ["Level", "default_level", "level_for", "notified_people", "qualifies"]


def default_level(room: Room) -> Level:
    """Direct conversations and private rooms: everything; public rooms: mentions only."""
    return Level.MENTIONS if room.is_public else Level.EVERYTHING


def level_for(user: AnyUser, room: Room) -> Level:
    """`user`'s level for `room`: their choice, else the room's default."""
    if user.pk is None:  # nobody signed in: nothing chosen
        return default_level(room)
    chosen = RoomLevel.objects.filter(user_id=user.pk, room=room).values_list("level", flat=True)
    level = chosen.first()
    return Level(level) if level else default_level(room)


def qualifies(user: AnyUser, message: Message, level: Level) -> bool:
    """Whether `message` is worth telling `user` about at `level`: never their own message,
    an event line or a deleted message; in a direct conversation every message mentions."""
    if message.author_id == user.pk or message.is_event or message.is_deleted:
        return False
    if level == Level.EVERYTHING:
        return True
    if level == Level.MENTIONS:
        mentioned = user.get_username().lower() in message.mention_names.split()
        return mentioned or message.room.is_direct
    return False


def notified_people(message: Message) -> list[User]:
    """Everyone who can see the message's room and for whom it qualifies, in one query
    (two when message.room is not loaded yet): never the author, never inactive people."""
    if message.is_event or message.is_deleted:
        return []
    room = message.room
    chosen = RoomLevel.objects.filter(user=OuterRef("pk"), room=room).values("level")[:1]
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk=message.author_id)
        .annotate(chosen_level=Subquery(chosen))
    )
    if room.is_public:
        # Anyone may read a public room; only those it concerns are candidates.
        names = message.mention_names.split()
        people = people.filter(Q(username__lower__in=names) | Q(chosen_level=Level.EVERYTHING))
    else:
        people = people.filter(memberships__room=room)
    default = default_level(room)
    return [
        person
        for person in people.order_by("pk")
        if qualifies(person, message, Level(getattr(person, "chosen_level", None) or default))
    ]
