from django.contrib import admin

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
