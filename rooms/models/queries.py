from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery

from rooms.models.membership import Membership
from rooms.models.message import Message

if TYPE_CHECKING:
    from chatsite.typing import AnyUser, User
    from rooms.models.room import Room  # noqa: F401 - named in the base class's string


class RoomQuerySet(models.QuerySet["Room"]):
    def visible_to(self, user: AnyUser) -> RoomQuerySet:
        """Public rooms, and the private rooms and direct conversations `user` is in."""
        if not user.is_authenticated:
            return self.none()
        theirs = Membership.objects.filter(user_id=user.pk).values("room")
        return self.filter(Q(kind=self.model.Kind.PUBLIC) | Q(pk__in=theirs))

    def private_joined_by(self, user: User) -> RoomQuerySet:
        """The private rooms and direct conversations `user` is in."""
        return self.filter(memberships__user=user).exclude(kind=self.model.Kind.PUBLIC)

    def by_activity(self) -> RoomQuerySet:
        return self.order_by(F("last_message_at").desc(nulls_last=True), "-created_at")

    def with_unread_for(self, user: User) -> RoomQuerySet:
        """Annotate `last_read` (None where `user` never joined), `last_id` (the newest
        message), `unread` (others' messages since `last_read`) and `unread_mentions`
        (those of them that mention `user`)."""
        membership = Membership.objects.filter(room=OuterRef("pk"), user=user)
        unread = (
            Message.objects.filter(
                room=OuterRef("pk"),
                pk__gt=OuterRef("last_read"),
                deleted_at__isnull=True,
                kind=Message.Kind.MESSAGE,  # system lines are nothing to read
            )
            .exclude(author=user)
            .order_by()
            .values("room")
        )
        count = Count("pk")
        newest = (
            Message.objects.filter(room=OuterRef("pk"), kind=Message.Kind.MESSAGE)
            .order_by("-pk")
            .values("pk")[:1]
        )
        return self.annotate(
            last_read=Subquery(membership.values("last_read_id")[:1]), last_id=Subquery(newest)
        ).annotate(
            unread=Subquery(unread.annotate(n=count).values("n")),
            unread_mentions=Subquery(unread.filter(mentions=user).annotate(n=count).values("n")),
        )

    def with_direct_members(self) -> RoomQuerySet:
        """Prefetch the two people of each direct conversation, for their labels."""
        members = Membership.objects.filter(room__kind=self.model.Kind.DIRECT).select_related(
            "user__profile"
        )
        return self.prefetch_related(Prefetch("memberships", queryset=members, to_attr="pair"))
