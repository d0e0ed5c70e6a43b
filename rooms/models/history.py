"""A room's messages as pages and cursors: ids only grow, and every change takes the room's
next revision, so "before id", "after id" and "changed since revision" are all one query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from rooms.models.message import Message, MessageManager


@dataclass(frozen=True)
class Page:
    """A slice of a room's history, oldest first."""

    messages: list[Message]
    has_older: bool

    @property
    def oldest(self) -> Message | None:
        return self.messages[0] if self.messages else None


class History(models.Model):
    """What a room answers about its messages (mixed into rooms.models.Room)."""

    if TYPE_CHECKING:
        messages: MessageManager

    class Meta:
        abstract = True

    def around(self, message_id: int, count: int | None = None) -> Page:
        """A page of history with message `message_id` in its middle."""
        count = count or settings.MESSAGE_PAGE_SIZE
        after = self.messages.filter(pk__gt=message_id).order_by("pk").values_list("pk", flat=True)
        following = list(after[: count // 2])
        # The page ends just after the last of the messages that follow it.
        return self.history(before=(following[-1] if following else message_id) + 1, count=count)

    def history(self, before: int | None = None, count: int | None = None) -> Page:
        """The `count` messages before id `before` (or the latest), oldest first."""
        count = count or settings.MESSAGE_PAGE_SIZE
        messages = self.messages.for_display().order_by("-pk")
        if before is not None:
            messages = messages.filter(pk__lt=before)
        newest_first = list(messages[: count + 1])
        return Page(list(reversed(newest_first[:count])), has_older=len(newest_first) > count)

    def changes(self, *, after: int, since: int | None = None) -> models.QuerySet[Message]:
        """Messages newer than id `after`, and any changed since revision `since`, by id."""
        newer_or_changed = Q(pk__gt=after)
        if since is not None:
            newer_or_changed |= Q(revision__gt=since)
        return self.messages.for_display().filter(newer_or_changed).order_by("pk")

    def newest_message_id(self) -> int:
        return self.messages.aggregate(newest=models.Max("pk"))["newest"] or 0
