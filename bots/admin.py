"""Bots and API keys in the admin. A bot is made here as on /people/bots/ (bots.keys), and
its key is shown once, in the message that confirms it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bots import keys
from bots.forms import BotForm
from bots.models import ApiKey, Bot


class NewBotForm(forms.ModelForm):
    username = BotForm.base_fields["username"]
    display_name = BotForm.base_fields["display_name"]
    webhook_url = BotForm.base_fields["webhook_url"]

    class Meta:
        model = Bot
        fields = ("webhook_url",)

    clean_username = BotForm.clean_username


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    list_display = ("user", "webhook_url", "created_by", "created_at")
    search_fields = ("user__username",)
    readonly_fields = ("user", "created_by", "created_at")
    exclude = ("webhook_secret",)
    actions = ["rotate_keys", "revoke_keys"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = NewBotForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("webhook_secret",) if obj is not None else ("webhook_secret", "user", "created_by")

    def save_model(self, request: HttpRequest, obj: Bot, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        bot, issued = keys.create_bot(
            data["username"],
            by=request.user,  # type: ignore[arg-type]
            display_name=data["display_name"],
            webhook_url=data["webhook_url"],
        )
        obj.pk = bot.pk  # the admin's "saved" message and redirect name the new bot
        self._show_key(request, bot, issued.key)

    @admin.action(description=_("Make a new key (stops the old one)"))
    def rotate_keys(self, request: HttpRequest, queryset: QuerySet[Bot]) -> None:
        for bot in queryset.select_related("user"):
            self._show_key(request, bot, keys.rotate_bot_key(bot).key)

    @admin.action(description=_("Revoke the key"))
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[Bot]) -> None:
        for bot in queryset.select_related("user"):
            keys.revoke_all(bot.user)

    def _show_key(self, request: HttpRequest, bot: Bot, key: str) -> None:
        text = gettext("The key of %(name)s, shown only this once: %(key)s")
        messages.warning(request, text % {"name": bot.user.get_username(), "key": key})


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    exclude = ("hashed",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are made where they can be shown once: the bots and settings pages

    @admin.action(description=_("Revoke"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            keys.revoke(api_key)
