from django.contrib import admin

from notifications.models import RoomLevel


@admin.register(RoomLevel)
class RoomLevelAdmin(admin.ModelAdmin):
    list_display = ["user", "room", "level"]
    list_filter = ["level"]
    search_fields = ["user__username", "room__name"]
    raw_id_fields = ["user", "room"]
