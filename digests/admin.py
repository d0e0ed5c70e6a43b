from __future__ import annotations

from django.contrib import admin

from digests.models import EmailPreference


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "enabled", "last_sent_at", "scheduled_for"]
    list_filter = ["enabled"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["last_sent_at", "sent_up_to", "scheduled_for", "unsubscribed_at"]
