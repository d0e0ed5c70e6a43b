from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest

from accounts import actions
from accounts.models import Invitation, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name"]
    search_fields = ["user__username", "display_name"]
    list_select_related = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["kind", "created_by", "created_at", "expires_at", "revoked_at", "used_by"]
    list_filter = ["kind"]
    # The code is the link itself: staff hand it out from /accounts/invitations/.
    exclude = ["code", "digest"]
    readonly_fields = ["kind", "created_by", "created_at", "used_at", "used_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made with their codes at /accounts/invitations/


class PersonAdmin(UserAdmin):
    """Django's user admin, but deactivating someone here does what /people/ does: their
    sessions end and their open pages close (accounts.actions.set_active)."""

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            actions.set_active(obj, False)


admin.site.unregister(User)
admin.site.register(User, PersonAdmin)
