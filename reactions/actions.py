"""Adding and removing reactions: each is the message's next revision, sent to every open
page of the room on commit (the reactions are part of the message's fragment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from reactions.models import Reaction
from rooms.actions import revise
from rooms.models import Message

if TYPE_CHECKING:
    from chatsite.typing import User

# Different emoji one message may carry: enough for a conversation, not for a mosaic.
DISTINCT_PER_MESSAGE = 20

DELETED = _("This message was deleted: it takes no reactions.")
EVENT = _("Lines about the room (a topic, who joined) take no reactions.")
TOO_MANY_KINDS = _(
    "This message already has %(limit)d different reactions: add one of those instead."
)


@dataclass(frozen=True)
class Toggled:
    # The message as it now stands, reactions loaded: what every page is sent.
    message: Message
    added: bool


def toggle_reaction(message: Message, user: User, emoji: str) -> Toggled:
    """Add `user`'s `emoji` to `message`, or take it away if it is there.

    `emoji` is one emoji, as reactions.emojis.as_emoji gives it. Raises ValidationError
    (and changes nothing) for a deleted message, a line about the room, or a new kind of
    reaction past the limit.
    """
    with transaction.atomic():
        # The lock orders concurrent toggles of one message (and a deletion) one after another.
        locked = Message.objects.select_for_update().only("deleted_at", "kind").get(pk=message.pk)
        if locked.is_deleted:
            raise ValidationError(DELETED, code="deleted")
        if locked.kind != Message.Kind.MESSAGE:
            raise ValidationError(EVENT, code="event")
        reactions = Reaction.objects.on(message)
        removed, _count = reactions.filter(user=user, emoji=emoji).delete()
        if not removed:
            used = reactions.distinct_emoji()
            if emoji not in used and len(used) >= DISTINCT_PER_MESSAGE:
                raise ValidationError(
                    TOO_MANY_KINDS, code="too_many_kinds", params={"limit": DISTINCT_PER_MESSAGE}
                )
            Reaction.objects.create(message=locked, user=user, emoji=emoji)
        current = Message.objects.for_display().select_related("room").get(pk=message.pk)
        revise(current)
    return Toggled(current, added=not removed)
