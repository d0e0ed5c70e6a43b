from __future__ import annotations

import html
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from rooms.formatting import format_message
from rooms.mentions import mention_candidates
from rooms.models.loaded import missing

if TYPE_CHECKING:
    from chatsite.typing import AnyUser
    from rooms.models.room import Room


# All the message fragment shows beyond the row: author and avatar, link card, the quoted
# message, files, and reactions with who reacted (reactions/, by name: rooms imports no app
# built on it).
JOINED_FOR_DISPLAY = ("author__profile", "link_card", "reply_to__author__profile")
PREFETCHED_FOR_DISPLAY = ("attachments", "reactions__user__profile")


class MessageQuerySet(models.QuerySet["Message"]):
    def for_display(self) -> MessageQuerySet:
        return self.select_related(*JOINED_FOR_DISPLAY).prefetch_related(*PREFETCHED_FOR_DISPLAY)


MessageManager = models.Manager.from_queryset(MessageQuerySet)


class Message(models.Model):
    class Kind(models.TextChoices):
        # What people write; the others are one-line events ("system lines") whose body is
        # the plain data (the new topic, the added person's username), drawn by the page.
        MESSAGE = "message", _("Message")
        TOPIC = "topic", _("Topic set")
        LEFT = "left", _("Left")
        ADDED = "added", _("Added")
        REMOVED = "removed", _("Removed")

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

    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.MESSAGE)
    # A reply quotes what the original said when the reply was posted (a snapshot: pages
    # never re-render replies when an original changes).
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    reply_excerpt = models.CharField(max_length=200, default="", blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MessageManager()

    if TYPE_CHECKING:
        room_id: int
        author_id: int
        reply_to_id: int | None

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

    def get_absolute_url(self) -> str:
        """The message's link: its room opened around it, the message highlighted (:target)."""
        room_url = reverse("rooms:room", args=[self.room.name])
        return f"{room_url}?around={self.pk}#message-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_event(self) -> bool:
        """A system line: no edit, reply, reaction or pin."""
        return self.kind != self.Kind.MESSAGE

    def excerpt(self, length: int = 140) -> str:
        """The start of the message's text, without its Markdown's markup, on one line."""
        text = " ".join(strip_tags(self.body_html).split()) or " ".join(self.body.split())
        text = html.unescape(text)
        return text if len(text) <= length else text[: length - 1].rstrip() + "…"

    def is_editable_by(self, user: AnyUser) -> bool:
        return not self.is_deleted and not self.is_event and user.pk == self.author_id

    def is_deletable_by(self, user: AnyUser) -> bool:
        allowed = user.pk == self.author_id or user.is_staff
        return not self.is_deleted and not self.is_event and allowed

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

    def load_for_display(self) -> None:
        """Load what the fragment shows and is not loaded yet, once for every language's
        render (a message from `for_display` has it all)."""
        lookups = missing(self, (*JOINED_FOR_DISPLAY, *PREFETCHED_FOR_DISPLAY))
        if lookups:
            models.prefetch_related_objects([self], *lookups)

    @contextmanager
    def just_posted(self, *, files: bool) -> Iterator[None]:
        """While the message just stored is rendered: it has no reactions and no link card
        yet, and no files unless `files`, so `load_for_display` need not ask for them.
        Forgotten after, as any of them may come at any time."""
        empty = ("reactions", "link_card") + (() if files else ("attachments",))
        relations = [cast(models.ForeignObjectRel, self._meta.get_field(name)) for name in empty]
        # What prefetch_related_objects() with empty querysets leaves, set directly: building
        # those querysets, to run none of them, cost as much as the fragment's render.
        prefetched = self.__dict__.setdefault("_prefetched_objects_cache", {})
        for relation in relations:
            if relation.one_to_one:
                relation.set_cached_value(self, None)
            else:
                related = cast(type[models.Model], relation.related_model)
                none = related._default_manager.none()
                none._result_cache = []  # evaluated, as a prefetch leaves it
                prefetched[relation.name] = none
        try:
            yield
        finally:
            prefetched = self.__dict__.get("_prefetched_objects_cache", {})
            for relation in relations:
                prefetched.pop(relation.name, None)
                if relation.one_to_one:
                    relation.delete_cached_value(self)

    def save_mentions(self) -> None:
        """Store who `mention_names` names, for each person's unread mention counts."""
        names = self.mention_names.split()
        self.mentions.set(get_user_model().objects.filter(username__lower__in=names))
