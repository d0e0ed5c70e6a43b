from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property


def room_group_name(room_id: int) -> str:
    """The channel-layer group every socket open on the room belongs to."""
    return f"room-{room_id}"


class RoomQuerySet(models.QuerySet["Room"]):
    def named(self, name: str) -> Room:
        """The room called `name`, whatever its case; raises Room.DoesNotExist."""
        return self.get(name__iexact=name)

    def by_activity(self) -> RoomQuerySet:
        return self.order_by(F("last_message_at").desc(nulls_last=True), "-created_at")


@dataclass(frozen=True)
class Page:
    """A slice of a room's history, oldest first."""

    messages: list[Message]
    has_older: bool

    @property
    def oldest(self) -> Message | None:
        return self.messages[0] if self.messages else None


class Room(models.Model):
    # Stored as first typed; uniqueness and look-ups ignore case.
    name = models.CharField(max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Denormalised so the lobby sorts by activity without scanning messages.
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Counts every change to the room's messages (post, edit, delete). Each message keeps
    # the revision of its last change, so "everything since revision N" is one query.
    revision = models.PositiveBigIntegerField(default=0)

    objects = RoomQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="room_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rooms:room", args=[self.name])

    @property
    def group_name(self) -> str:
        return room_group_name(self.pk)

    @classmethod
    def open(cls, name: str, *, by: models.Model) -> Room:
        """The room called `name`, created for `by` when there is none yet."""
        # get_or_create retries the look-up when a concurrent create wins the race.
        room, _ = cls.objects.get_or_create(
            name__iexact=name, defaults={"name": name, "created_by": by}
        )
        return room

    def history(self, before: int | None = None, count: int | None = None) -> Page:
        """The `count` messages before id `before` (or the latest), oldest first."""
        count = count or settings.MESSAGE_PAGE_SIZE
        messages = self.messages.select_related("author").order_by("-pk")
        if before is not None:
            messages = messages.filter(pk__lt=before)
        newest_first = list(messages[: count + 1])
        return Page(list(reversed(newest_first[:count])), has_older=len(newest_first) > count)

    def changes(self, *, after: int, since: int | None = None) -> models.QuerySet[Message]:
        """Messages newer than id `after`, and any changed since revision `since`, by id."""
        newer_or_changed = Q(pk__gt=after)
        if since is not None:
            newer_or_changed |= Q(revision__gt=since)
        return self.messages.select_related("author").filter(newer_or_changed).order_by("pk")

    def next_revision(self, **also: object) -> int:
        """Take the room's next revision. Call inside the transaction that makes the change:
        the row lock it takes orders concurrent changes to one room."""
        Room.objects.filter(pk=self.pk).update(revision=F("revision") + 1, **also)
        self.revision = Room.objects.values_list("revision", flat=True).get(pk=self.pk)
        return self.revision

    def post(self, author: models.Model, body: str, client_key: uuid.UUID | None = None) -> Message:
        """Store a message and, once the transaction commits, send it to every open page.

        Posting again with the same `client_key` (a retry) returns the first message and
        stores and sends nothing more.
        """
        if client_key is not None:
            existing = self.messages.filter(author=author, client_key=client_key).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():
                now = timezone.now()
                message = Message.objects.create(
                    room=self,
                    author=author,
                    body=body,
                    created_at=now,
                    client_key=client_key or uuid.uuid4(),
                    revision=self.next_revision(last_message_at=now),
                )
                message.broadcast_on_commit()
        except IntegrityError:
            # A concurrent retry with the same key stored it first.
            if client_key is None:
                raise
            return self.messages.get(author=author, client_key=client_key)
        return message


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # One per composer render: a retried POST carries the same key and stores nothing new.
    client_key = models.UUIDField(default=uuid.uuid4)
    revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        # Ids only grow, so (room, id) serves both "latest N" and "after/before id" cursors.
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id"),
            models.Index(fields=["room", "revision"], name="message_room_revision"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_key"], name="message_client_key")
        ]

    def __str__(self) -> str:
        return f"{self.author} in {self.room}: {self.body[:40]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def is_editable_by(self, user: models.Model) -> bool:
        return not self.is_deleted and user.pk == self.author_id

    def is_deletable_by(self, user: models.Model) -> bool:
        return not self.is_deleted and (user.pk == self.author_id or user.is_staff)

    def edit(self, body: str) -> None:
        with transaction.atomic():
            self.body = body
            self.edited_at = timezone.now()
            self._save_change("body", "edited_at")

    def delete_for_everyone(self) -> None:
        """Blank the message, keeping a tombstone so open pages and catch-ups learn of it."""
        with transaction.atomic():
            self.body = ""
            self.deleted_at = timezone.now()
            self._save_change("body", "deleted_at")

    def _save_change(self, *fields: str) -> None:
        self.revision = self.room.next_revision()
        self.save(update_fields=[*fields, "revision"])
        self.__dict__.pop("live_html", None)
        self.broadcast_on_commit()

    def broadcast_on_commit(self) -> None:
        from rooms import broadcast

        transaction.on_commit(lambda: broadcast.message_changed(self))

    @cached_property
    def live_html(self) -> str:
        """This message as the fragment every open page merges in, rendered once."""
        return render_to_string("rooms/room.html#live_messages", {"messages": [self]})
