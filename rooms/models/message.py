from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from rooms.formatting import format_message
from rooms.mentions import mention_candidates

if TYPE_CHECKING:
    from chatsite.typing import AnyUser
    from rooms.models.room import Room


class MessageQuerySet(models.QuerySet["Message"]):
    def for_display(self) -> MessageQuerySet:
        """With all the message fragment shows: author and avatar, files, link card, and
        reactions with who reacted (reactions/, by name: rooms imports no app built on it)."""
        return self.select_related("author__profile", "link_card").prefetch_related(
            "attachments", "reactions__user__profile"
        )


MessageManager = models.Manager.from_queryset(MessageQuerySet)


class Message(models.Model):
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    # As typed (Markdown); what pages show is body_html, rendered once when it changes.
    body = models.TextField()
    body_html = models.TextField(default="")
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="mentioned_in", blank=True
    )
    # The mentioned usernames, lowercase and space-separated, for the fragment's
    # data-mentions (each viewer's page highlights its own name there).
    mention_names = models.TextField(default="", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # One per composer render: a retried POST carries the same key and stores nothing new.
    client_key = models.UUIDField(default=uuid.uuid4)
    # The room's revision at this message's last change (rooms.models.Room.revision).
    revision = models.PositiveBigIntegerField(default=0)

    objects = MessageManager()

    if TYPE_CHECKING:
        room_id: int
        author_id: int

    class Meta:
        app_label = "rooms"
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

    def is_editable_by(self, user: AnyUser) -> bool:
        return not self.is_deleted and user.pk == self.author_id

    def is_deletable_by(self, user: AnyUser) -> bool:
        return not self.is_deleted and (user.pk == self.author_id or user.is_staff)

    def set_body(self, body: str, room: Room | None = None) -> None:
        """Take `body` and render it, resolving its @mentions against the room."""
        room = room or self.room
        formatted = format_message(body, room.mentionable(mention_candidates(body)))
        self.body, self.body_html = body, formatted.html
        self.mention_names = " ".join(sorted(name.lower() for name in formatted.mentions))

    def blank(self) -> None:
        """Keep only a tombstone, so open pages and catch-ups learn of the deletion."""
        self.body = self.body_html = self.mention_names = ""
        self.deleted_at = timezone.now()

    def save_mentions(self) -> None:
        """Store who `mention_names` names, for each person's unread mention counts."""
        names = self.mention_names.split()
        self.mentions.set(get_user_model().objects.filter(username__lower__in=names))
