from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from previews import actions
from previews.models import LinkCard


@admin.register(LinkCard)
class LinkCardAdmin(admin.ModelAdmin):
    """Cards are made by the worker and seen here; removing one goes through the action, so
    open pages drop it at once."""

    list_display = ["url", "state", "title", "site_name", "message"]
    list_filter = ["state"]
    search_fields = ["url", "title"]
    readonly_fields = [field.name for field in LinkCard._meta.fields]
    actions = ["remove_cards"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Remove the selected link previews"))
    def remove_cards(self, request: HttpRequest, queryset: QuerySet[LinkCard]) -> None:
        for card in queryset.select_related("message__room"):
            actions.remove_card(card.message, card)
