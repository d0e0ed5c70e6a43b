from django.urls import path

from rooms import views

app_name = "rooms"

urlpatterns = [
    path("", views.lobby, name="lobby"),
    # "@" never starts a room name, so these cannot shadow a room.
    path("@<str:username>/", views.direct, name="direct"),
    path("~search/", views.search, name="search"),  # "~" is in no room name
    path("<str:name>/", views.room, name="room"),
    path("<str:name>/read/", views.mark_read, name="read"),
    path("<str:name>/members/", views.add_member, name="members"),
    path("<str:name>/members/<int:user_id>/remove/", views.remove_member, name="remove_member"),
    path("<str:name>/messages/", views.messages, name="messages"),
    path("<str:name>/messages/<int:pk>/", views.message, name="message"),
    path("<str:name>/messages/<int:pk>/edit/", views.edit_message, name="edit"),
    path("<str:name>/messages/<int:pk>/delete/", views.delete_message, name="delete"),
]
