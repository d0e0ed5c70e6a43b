from django.urls import path

from rooms import views

app_name = "rooms"

urlpatterns = [
    path("", views.lobby, name="lobby"),
    path("<str:name>/", views.room, name="room"),
    path("<str:name>/messages/", views.messages, name="messages"),
    path("<str:name>/messages/<int:pk>/", views.message, name="message"),
    path("<str:name>/messages/<int:pk>/edit/", views.edit_message, name="edit"),
    path("<str:name>/messages/<int:pk>/delete/", views.delete_message, name="delete"),
]
