from django.urls import path

from rooms import views

app_name = "rooms"

urlpatterns = [
    path("", views.lobby, name="lobby"),
    path("<str:name>/", views.room, name="room"),
    path("<str:name>/messages/", views.messages, name="messages"),
]
