from __future__ import annotations

from django.contrib import admin

from reactions.models import Reaction


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    """To look at: reactions change through the message's page, which keeps pages live."""

    list_display = ["emoji", "user", "message", "created_at"]
    list_filter = ["message__room"]
    search_fields = ["emoji", "user__username"]
    list_select_related = ["user", "message__author", "message__room"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
