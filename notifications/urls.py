from django.urls import path

from notifications import views

app_name = "notifications"

# Under the room's URL (included at "chat/" in chatsite/urls.py, before rooms.urls).
urlpatterns = [
    path("<str:name>/notifications/", views.room_level, name="room"),
]
