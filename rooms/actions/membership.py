from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from rooms import broadcast
from rooms.actions.events import record_event
from rooms.models import Membership, Message, Room

if TYPE_CHECKING:
    from chatsite.typing import User


def open_room(name: str, *, by: User, private: bool = False) -> Room:
    """The room called `name`, created for `by` when there is none yet.

    A new private room starts with its creator as its only member. An existing room
    is returned as it is, whatever `private` says.
    """
    kind = Room.Kind.PRIVATE if private else Room.Kind.PUBLIC
    # get_or_create retries the look-up when a concurrent create wins the race.
    room, created = Room.objects.get_or_create(
        name__iexact=name, defaults={"name": name, "created_by": by, "kind": kind}
    )
    if created:
        add_member(room, by)
    return room


def open_direct(one: User, other: User) -> Room:
    """The private conversation of two people, created the first time it is asked for."""
    room, created = Room.objects.get_or_create(
        name=Room.direct_name(one, other), defaults={"created_by": one, "kind": Room.Kind.DIRECT}
    )
    if created:
        add_member(room, one)
        add_member(room, other)
    return room


def add_member(room: Room, user: User, *, by: User | None = None) -> Membership:
    """Make `user` a member. Someone adding them (`by`) leaves a line in the history."""
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(room=room, user=user)
        if created and by is not None:
            record_event(room, by, Message.Kind.ADDED, user.get_username())
    return membership


def remove_member(room: Room, user: User, *, by: User | None = None) -> None:
    """Take `user` out of the room and, once committed, close their open sockets to it.
    Leaving, or being taken out by `by`, leaves a line in the history."""
    with transaction.atomic():
        removed, _ = Membership.objects.filter(room=room, user=user).delete()
        if removed and by is not None:
            if by.pk == user.pk:
                record_event(room, user, Message.Kind.LEFT)
            else:
                record_event(room, by, Message.Kind.REMOVED, user.get_username())
        transaction.on_commit(lambda: broadcast.membership_revoked(room.pk, user.pk))


def mark_read(room: Room, user: User, up_to: int | None = None) -> None:
    """Record that `user` has seen the room's messages up to id `up_to` (default: all)."""
    if up_to is None:
        up_to = room.newest_message_id()
    # Reading a public room joins it: from then on the lobby counts what is unread.
    membership = add_member(room, user)
    Membership.objects.filter(pk=membership.pk, last_read_id__lt=up_to).update(last_read_id=up_to)
