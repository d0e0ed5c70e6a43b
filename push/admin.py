from django.contrib import admin

from push.models import PushSubscription


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "user_agent", "created_at", "last_success_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "endpoint", "p256dh", "auth", "user_agent", "created_at"]
    search_fields = ["user__username", "user_agent"]
