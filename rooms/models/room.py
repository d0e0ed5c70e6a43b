from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, router
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from chatsite.prepared import Prepared
from rooms.models.history import History
from rooms.models.queries import RoomQuerySet

if TYPE_CHECKING:
    from chatsite.typing import AnyUser, User
    from rooms.models.membership import Membership
    from rooms.models.message import Message


class Room(History):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private")
        # A two-person conversation, named "dm.<lower user id>.<higher user id>" (a dot
        # never appears in the names people choose).
        DIRECT = "direct", _("Direct conversation")

    # Stored as first typed; uniqueness and look-ups ignore case.
    name = models.CharField(max_length=50)
    kind = models.CharField(max_length=7, choices=Kind.choices, default=Kind.PUBLIC)
    members: models.ManyToManyField[User, Membership] = models.ManyToManyField(
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
    # One line, set by members (rooms.actions.topics); shown in the room's header.
    topic = models.CharField(max_length=250, default="", blank=True)

    objects = RoomQuerySet.as_manager()

    if TYPE_CHECKING:
        memberships: models.Manager[Membership]
        created_by_id: int | None

    class Meta:
        app_label = "rooms"
        constraints = [models.UniqueConstraint(Lower("name"), name="room_name_unique_ci")]

    @staticmethod
    def named(name: str) -> Room | None:
        """The room called `name`, whatever its case: one read of the unique index."""
        if "\x00" in name:  # in no room's name, and PostgreSQL refuses even to look it up
            return None
        return NAMED.first(name.lower())

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rooms:room", args=[self.name])

    @staticmethod
    def direct_name(one: User, other: User) -> str:
        low, high = sorted([one.pk, other.pk])
        return f"dm.{low}.{high}"

    def label_for(self, viewer: AnyUser) -> str:
        """How the room is called for `viewer`: "#name", or "@them" for a conversation."""
        if not self.is_direct:
            return f"#{self.name}"
        others = [user.get_username() for user in self.direct_members if user.pk != viewer.pk]
        return "@" + (others[0] if others else viewer.get_username())

    @cached_property
    def direct_members(self) -> list[User]:
        """The two people of a direct conversation (one, for a note to oneself)."""
        if not self.is_direct:
            return []
        memberships = getattr(self, "pair", None)
        if memberships is None:
            memberships = self.memberships.select_related("user__profile")
        return [membership.user for membership in memberships]

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.PUBLIC

    @property
    def is_direct(self) -> bool:
        return self.kind == self.Kind.DIRECT

    def is_visible_to(self, user: User) -> bool:
        return self.is_public or self.memberships.filter(user_id=user.pk).exists()

    def can_manage_members(self, user: User) -> bool:
        """Members of a private room add others; its creator and staff also remove them."""
        return self.kind == self.Kind.PRIVATE and self.is_visible_to(user)

    def can_remove(self, member: AnyUser, *, by: AnyUser) -> bool:
        """Anyone may leave a private room; its creator and staff may take others out."""
        allowed = member.pk == by.pk or by.pk == self.created_by_id or by.is_staff
        return self.kind == self.Kind.PRIVATE and allowed

    def mentionable(self, names: set[str]) -> dict[str, str]:
        """Of `names` (lowercase usernames), those who may be mentioned here, each mapped to
        its spelling: anyone for a public room, members for the others."""
        if not names:
            return {}
        users = get_user_model().objects.filter(username__lower__in=names)
        if not self.is_public:
            users = users.filter(memberships__room=self)
        return {username.lower(): username for username in users.values_list("username", flat=True)}

    def mention_candidates(self, prefix: str, limit: int) -> models.QuerySet[User]:
        """Up to `limit` active people who can see the room (anyone for a public room,
        members for the others) whose username or display name starts with `prefix`."""
        by_name = models.Q(username__istartswith=prefix)
        by_display_name = models.Q(profile__display_name__istartswith=prefix)
        users = get_user_model().objects.filter(by_name | by_display_name, is_active=True)
        if not self.is_public:
            users = users.filter(memberships__room=self)
        return users.select_related("profile").distinct().order_by(Lower("username"))[:limit]

    def pinned_messages(self) -> models.QuerySet[Message]:
        """The room's "Pinned" panel: pinned messages still standing, the latest pinned first."""
        pinned = self.messages.filter(pinned_at__isnull=False, deleted_at__isnull=True)
        return pinned.select_related("author__profile", "room").order_by("-pinned_at", "-pk")

    def next_revision(self, *, last_message_at: datetime | None = None) -> int:
        """Take the room's next revision. Call inside the transaction that makes the change:
        the row lock it takes orders concurrent changes to one room."""
        # One statement, UPDATE ... RETURNING (SQLite and PostgreSQL both have it), written
        # out: it is on every post, and the ORM would need a second statement to read the
        # number back, or compiling an UpdateQuery each time (bench/README.md, run O).
        connection = connections[router.db_for_write(Room, instance=self)]
        quote = connection.ops.quote_name
        revision = quote(Room._meta.get_field("revision").column)
        assignments, params = [f"{revision} = {revision} + 1"], []
        if last_message_at is not None:
            field = Room._meta.get_field("last_message_at")
            assignments.append(f"{quote(field.column)} = %s")
            params.append(field.get_db_prep_save(last_message_at, connection))
        sql = (
            f"UPDATE {quote(Room._meta.db_table)} SET {', '.join(assignments)} "
            f"WHERE {quote(Room._meta.pk.column)} = %s RETURNING {revision}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, self.pk])
            (self.revision,) = cursor.fetchone()
        return self.revision

    def current_revision(self) -> int:
        return Room.objects.values_list("revision", flat=True).get(pk=self.pk)


# Compiled once (chatsite/prepared.py): every room page, post and socket looks its room up.
NAMED: Prepared[Room] = Prepared(lambda lowered: Room.objects.filter(name__lower=lowered))
