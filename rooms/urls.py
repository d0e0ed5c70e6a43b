from django.urls import path

from rooms.views import lobby, members, messages, rooms, search

app_name = "rooms"

urlpatterns = [
    path("", lobby.lobby, name="lobby"),
    # "@" never starts a room name, so these cannot shadow a room.
    path("@<str:username>/", lobby.direct, name="direct"),
    path("~search/", search.search, name="search"),  # "~" is in no room name
    path("<str:name>/", rooms.room, name="room"),
    path("<str:name>/read/", rooms.mark_read, name="read"),
    path("<str:name>/members/", members.add_member, name="members"),
    path("<str:name>/members/<int:user_id>/remove/", members.remove_member, name="remove_member"),
    path("<str:name>/messages/", messages.messages, name="messages"),
    path("<str:name>/messages/<int:pk>/", messages.message, name="message"),
    path("<str:name>/messages/<int:pk>/edit/", messages.edit_message, name="edit"),
    path("<str:name>/messages/<int:pk>/delete/", messages.delete_message, name="delete"),
]
