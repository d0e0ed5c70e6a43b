"""Posting's side: who a new message may have to be emailed to, and their one pending digest
scheduled for when it will have stayed unread long enough."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chatsite.typing import User
from digests import tasks, timing
from digests.gathering import is_muted
from digests.models import EmailPreference
from rooms.models import Message

logger = logging.getLogger(__name__)


def recipients(message: Message) -> list[User]:
    """The people `message` mentions, or the other person of its direct conversation: not
    its author, active, with an email address, who did not mute the room."""
    room = message.room
    if message.is_event or message.is_deleted or not (message.mention_names or room.is_direct):
        return []  # no one to ask the database about, the case of most messages
    concerned = Q(username__lower__in=message.mention_names.split())
    if room.is_direct:
        concerned |= Q(memberships__room=room)
    people = (
        get_user_model()
        .objects.filter(concerned, is_active=True)
        .exclude(pk=message.author_id)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    return [person for person in people if not is_muted(person, room)]


def schedule_for(message: Message) -> None:
    for person in recipients(message):
        schedule(person, message)


def schedule(user: User, message: Message) -> None:
    """Make sure a digest is pending for `user` that will see `message` once it has stayed
    unread for NOTIFY_EMAIL_AFTER minutes (and not within the hour after the last email).
    One pending digest gathers everything, so if one is on its way, nothing more is queued."""
    now = timezone.now()
    with transaction.atomic():
        preference = EmailPreference.objects.locked_for(user, baseline=message.pk - 1)
        if not preference.enabled or timing.is_pending(preference.scheduled_for, now):
            return
        due = timing.due_at(now, preference.last_sent_at)
        preference.scheduled_for = due
        preference.save(update_fields=["scheduled_for"])
        tasks.enqueue(user_id=user.pk, due=due)
    logger.debug("Digest for %s due at %s", user.get_username(), due.isoformat())
