"""Files in the admin: listed and searchable, read-only. A file goes with its message:
deleting the message (Messages, or the room) deletes its files, for every open page too."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from attachments.models import Attachment

READ_ONLY = ("name", "kind", "content_type", "size", "file", "preview", "position")


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "shown_size", "message_link", "room", "author"]
    list_filter = ["kind", "message__room"]
    search_fields = ["name", "message__room__name", "message__author__username"]
    list_select_related = ["message__room", "message__author"]
    fields = readonly_fields = ("message", *READ_ONLY)

    @admin.display(description=_("size"), ordering="size")
    def shown_size(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)

    @admin.display(description=_("message"), ordering="message")
    def message_link(self, attachment: Attachment) -> str:
        url = reverse("admin:rooms_message_change", args=[attachment.message_id])
        return format_html('<a href="{}">{}</a>', url, attachment.message_id)

    @admin.display(description=_("room"), ordering="message__room__name")
    def room(self, attachment: Attachment) -> str:
        return attachment.message.room.name

    @admin.display(description=_("author"), ordering="message__author__username")
    def author(self, attachment: Attachment) -> str:
        return attachment.message.author.get_username()


class AttachmentInline(ReadOnly, admin.TabularInline):
    """A message's files, on its admin page."""

    model = Attachment
    extra = 0
    fields = readonly_fields = READ_ONLY
