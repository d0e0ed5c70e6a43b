from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from attachments.admin import AttachmentInline
from rooms import actions
from rooms.models import Membership, Message, Room


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at", "last_read_id"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_by", "created_at", "last_message_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    readonly_fields = ["revision", "last_message_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "joined_at", "last_read_id"]
    list_filter = ["room__kind"]
    search_fields = ["room__name", "user__username"]
    autocomplete_fields = ["room", "user"]

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        # Through the room, so the member's open sockets to it close.
        actions.remove_member(obj.room, obj.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("room", "user"):
            self.delete_model(request, membership)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Deleting here is "delete for everyone": the text goes, a tombstone stays (so open
    pages and catch-ups learn of it), and every open page of the room updates live."""

    list_display = ["__str__", "room", "author", "created_at", "edited_at", "deleted_at"]
    list_filter = ["room"]
    search_fields = ["body", "author__username"]
    list_select_related = ["room", "author"]
    readonly_fields = [
        "room", "author", "body_html", "mention_names", "created_at", "edited_at",
        "deleted_at", "client_key", "revision",
    ]  # fmt: skip
    exclude = ["mentions"]
    inlines = [AttachmentInline]

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        # Edits go through rooms.actions.edit_message (rendering, revision, broadcast),
        # and only authors edit.
        return False

    def delete_model(self, request: HttpRequest, obj: Message) -> None:
        actions.delete_message(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        for message in queryset.filter(deleted_at__isnull=True).select_related("room"):
            actions.delete_message(message)
