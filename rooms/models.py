from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from rooms.formatting import format_message, mention_candidates

# username__lower__in=[...]: case-insensitive look-ups of many names in one query.
models.CharField.register_lookup(Lower)


def room_group_name(room_id: int) -> str:
    """The channel-layer group every socket open on the room belongs to."""
    return f"room-{room_id}"


class RoomQuerySet(models.QuerySet["Room"]):
    def named(self, name: str) -> Room:
        """The room called `name`, whatever its case; raises Room.DoesNotExist."""
        return self.get(name__iexact=name)

    def visible_to(self, user: models.Model) -> RoomQuerySet:
        """Public rooms, and the private rooms and direct conversations `user` is in."""
        if not user.is_authenticated:
            return self.none()
        theirs = Membership.objects.filter(user=user).values("room")
        return self.filter(Q(kind=Room.Kind.PUBLIC) | Q(pk__in=theirs))

    def by_activity(self) -> RoomQuerySet:
        return self.order_by(F("last_message_at").desc(nulls_last=True), "-created_at")

    def with_unread_for(self, user: models.Model) -> RoomQuerySet:
        """Annotate `last_read` (None where `user` never joined), `last_id` (the newest
        message), `unread` (others' messages since `last_read`) and `unread_mentions`
        (those of them that mention `user`)."""
        membership = Membership.objects.filter(room=OuterRef("pk"), user=user)
        unread = (
            Message.objects.filter(
                room=OuterRef("pk"), pk__gt=OuterRef("last_read"), deleted_at__isnull=True
            )
            .exclude(author=user)
            .order_by()
            .values("room")
        )
        count = Count("pk")
        newest = Message.objects.filter(room=OuterRef("pk")).order_by("-pk").values("pk")[:1]
        return self.annotate(
            last_read=Subquery(membership.values("last_read_id")[:1]), last_id=Subquery(newest)
        ).annotate(
            unread=Subquery(unread.annotate(n=count).values("n")),
            unread_mentions=Subquery(unread.filter(mentions=user).annotate(n=count).values("n")),
        )

    def with_direct_members(self) -> RoomQuerySet:
        """Prefetch the two people of each direct conversation, for their labels."""
        members = Membership.objects.filter(room__kind=Room.Kind.DIRECT).select_related("user")
        return self.prefetch_related(Prefetch("memberships", queryset=members, to_attr="pair"))


@dataclass(frozen=True)
class Page:
    """A slice of a room's history, oldest first."""

    messages: list[Message]
    has_older: bool

    @property
    def oldest(self) -> Message | None:
        return self.messages[0] if self.messages else None


class Room(models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public"
        PRIVATE = "private"
        # A two-person conversation, named "dm.<lower user id>.<higher user id>" (a dot
        # never appears in the names people choose).
        DIRECT = "direct"

    # Stored as first typed; uniqueness and look-ups ignore case.
    name = models.CharField(max_length=50)
    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.PUBLIC)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="rooms"
    )
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
    def open(cls, name: str, *, by: models.Model, private: bool = False) -> Room:
        """The room called `name`, created for `by` when there is none yet.

        A new private room starts with its creator as its only member. An existing room
        is returned as it is, whatever `private` says.
        """
        kind = cls.Kind.PRIVATE if private else cls.Kind.PUBLIC
        # get_or_create retries the look-up when a concurrent create wins the race.
        room, created = cls.objects.get_or_create(
            name__iexact=name, defaults={"name": name, "created_by": by, "kind": kind}
        )
        if created:
            room.add_member(by)
        return room

    @classmethod
    def direct(cls, one: models.Model, other: models.Model) -> Room:
        """The private conversation of two people, created the first time it is asked for."""
        low, high = sorted([one.pk, other.pk])
        room, created = cls.objects.get_or_create(
            name=f"dm.{low}.{high}", defaults={"created_by": one, "kind": cls.Kind.DIRECT}
        )
        if created:
            room.add_member(one)
            room.add_member(other)
        return room

    def label_for(self, viewer: models.Model) -> str:
        """How the room is called for `viewer`: "#name", or "@them" for a conversation."""
        if not self.is_direct:
            return f"#{self.name}"
        others = [user.get_username() for user in self.direct_members if user.pk != viewer.pk]
        return "@" + (others[0] if others else viewer.get_username())

    @cached_property
    def direct_members(self) -> list[models.Model]:
        """The two people of a direct conversation (one, for a note to oneself)."""
        if not self.is_direct:
            return []
        memberships = getattr(self, "pair", None)
        if memberships is None:
            memberships = self.memberships.select_related("user")
        return [membership.user for membership in memberships]

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.PUBLIC

    @property
    def is_direct(self) -> bool:
        return self.kind == self.Kind.DIRECT

    def is_visible_to(self, user: models.Model) -> bool:
        return self.is_public or self.memberships.filter(user_id=user.pk).exists()

    def can_manage_members(self, user: models.Model) -> bool:
        """Members of a private room add others; its creator and staff also remove them."""
        return self.kind == self.Kind.PRIVATE and self.is_visible_to(user)

    def add_member(self, user: models.Model) -> Membership:
        membership, _ = Membership.objects.get_or_create(room=self, user=user)
        return membership

    def remove_member(self, user: models.Model) -> None:
        """Take `user` out of the room and, once committed, close their open sockets to it."""
        from rooms import broadcast

        with transaction.atomic():
            Membership.objects.filter(room=self, user=user).delete()
            transaction.on_commit(lambda: broadcast.membership_revoked(self.pk, user.pk))

    def mark_read(self, user: models.Model, up_to: int | None = None) -> None:
        """Record that `user` has seen the room's messages up to id `up_to` (default: all)."""
        if up_to is None:
            up_to = self.messages.aggregate(newest=models.Max("pk"))["newest"] or 0
        # Reading a public room joins it: from then on the lobby counts what is unread.
        membership = self.add_member(user)
        Membership.objects.filter(pk=membership.pk, last_read_id__lt=up_to).update(
            last_read_id=up_to
        )

    def mentionable(self, names: set[str]) -> dict[str, str]:
        """Of `names` (lowercase usernames), those who may be mentioned here, each mapped to
        its spelling: anyone for a public room, members for the others."""
        if not names:
            return {}
        users = get_user_model().objects.filter(username__lower__in=names)
        if not self.is_public:
            users = users.filter(memberships__room=self)
        return {username.lower(): username for username in users.values_list("username", flat=True)}

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
                message = Message(
                    room=self, author=author, created_at=now, client_key=client_key or uuid.uuid4()
                )
                message.set_body(body)
                message.revision = self.next_revision(last_message_at=now)
                message.save()
                message.save_mentions()
                message.broadcast_on_commit(posted=True)
        except IntegrityError:
            # A concurrent retry with the same key stored it first.
            if client_key is None:
                raise
            return self.messages.get(author=author, client_key=client_key)
        return message


class Membership(models.Model):
    """A person in a room: who may see a private room, and what each has read anywhere."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    # The newest message id this person has seen here; ids only grow, so unread is "after".
    last_read_id = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
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

    def set_body(self, body: str) -> None:
        """Take `body` and render it, resolving its @mentions against the room."""
        formatted = format_message(body, self.room.mentionable(mention_candidates(body)))
        self.body, self.body_html = body, formatted.html
        self.mention_names = " ".join(sorted(name.lower() for name in formatted.mentions))
        self._mentioned = formatted.mentions

    def save_mentions(self) -> None:
        names = [name.lower() for name in self._mentioned]
        self.mentions.set(get_user_model().objects.filter(username__lower__in=names))

    def edit(self, body: str) -> None:
        with transaction.atomic():
            self.set_body(body)
            self.edited_at = timezone.now()
            self._save_change("body", "body_html", "mention_names", "edited_at")
            self.save_mentions()

    def delete_for_everyone(self) -> None:
        """Blank the message, keeping a tombstone so open pages and catch-ups learn of it."""
        with transaction.atomic():
            self.body = self.body_html = self.mention_names = ""
            self.deleted_at = timezone.now()
            self._save_change("body", "body_html", "mention_names", "deleted_at")
            self.mentions.clear()

    def _save_change(self, *fields: str) -> None:
        self.revision = self.room.next_revision()
        self.save(update_fields=[*fields, "revision"])
        self.__dict__.pop("live_html", None)
        self.broadcast_on_commit()

    def broadcast_on_commit(self, posted: bool = False) -> None:
        from rooms import broadcast

        send = broadcast.message_posted if posted else broadcast.message_changed
        transaction.on_commit(lambda: send(self))

    @cached_property
    def live_html(self) -> str:
        """This message as the fragment every open page merges in, rendered once."""
        return render_to_string("rooms/room.html#live_messages", {"messages": [self]})
