from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property


class RoomQuerySet(models.QuerySet["Room"]):
    def named(self, name: str) -> Room:
        """The room called `name`, whatever its case; raises Room.DoesNotExist."""
        return self.get(name__iexact=name)

    def by_activity(self) -> RoomQuerySet:
        return self.order_by(models.F("last_message_at").desc(nulls_last=True), "-created_at")


class Room(models.Model):
    # Stored as first typed; uniqueness and look-ups ignore case.
    name = models.CharField(max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Denormalised so the lobby sorts by activity without scanning messages.
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="room_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rooms:room", args=[self.name])

    @property
    def group_name(self) -> str:
        """The channel-layer group every socket open on this room belongs to."""
        return f"room-{self.pk}"

    @classmethod
    def open(cls, name: str, *, by: models.Model) -> Room:
        """The room called `name`, created for `by` when there is none yet."""
        # get_or_create retries the look-up when a concurrent create wins the race.
        room, _ = cls.objects.get_or_create(
            name__iexact=name, defaults={"name": name, "created_by": by}
        )
        return room

    def latest_messages(self, count: int | None = None) -> list[Message]:
        """The newest `count` messages, oldest first."""
        count = count or settings.MESSAGE_PAGE_SIZE
        newest_first = self.messages.select_related("author").order_by("-pk")[:count]
        return list(reversed(newest_first))

    def post(self, author: models.Model, body: str) -> Message:
        """Store a message and, once the transaction commits, send it to every open page."""
        from rooms import broadcast

        with transaction.atomic():
            message = Message.objects.create(room=self, author=author, body=body)
            Room.objects.filter(pk=self.pk).update(last_message_at=message.created_at)
            transaction.on_commit(lambda: broadcast.message_posted(message))
        return message


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Ids only grow, so (room, id) serves both "latest N" and "after/before id" cursors.
        indexes = [models.Index(fields=["room", "id"], name="message_room_id")]

    def __str__(self) -> str:
        return f"{self.author} in {self.room}: {self.body[:40]}"

    @cached_property
    def live_html(self) -> str:
        """This message as the fragment every open page merges in, rendered once."""
        return render_to_string("rooms/room.html#live_messages", {"messages": [self]})
