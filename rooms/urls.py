from django.urls import path, register_converter

from rooms.views import lobby, members, messages, people, pins, replies, rooms, search, topics

app_name = "rooms"


class RoomNameConverter:
    """What a room's name can be (chosen names, and conversations' "dm.<id>.<id>"): any other
    text, a NUL byte included, is a 404 before a view or the database sees it."""

    regex = r"[A-Za-z0-9_.-]{1,50}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RoomNameConverter, "room")

urlpatterns = [
    path("", lobby.lobby, name="lobby"),
    # "@" never starts a room name, so these cannot shadow a room.
    path("@<str:username>/", lobby.direct, name="direct"),
    path("~search/", search.search, name="search"),  # "~" is in no room name
    path("<room:name>/", rooms.room, name="room"),
    path("<room:name>/read/", rooms.mark_read, name="read"),
    path("<room:name>/members/", members.add_member, name="members"),
    path("<room:name>/members/<int:user_id>/remove/", members.remove_member, name="remove_member"),
    path("<room:name>/messages/", messages.messages, name="messages"),
    path("<room:name>/messages/<int:pk>/", messages.message, name="message"),
    path("<room:name>/messages/<int:pk>/edit/", messages.edit_message, name="edit"),
    path("<room:name>/messages/<int:pk>/delete/", messages.delete_message, name="delete"),
    path("<room:name>/messages/<int:pk>/reply/", replies.reply, name="reply"),
    path("<room:name>/messages/<int:pk>/pin/", pins.pin, name="pin"),
    path("<room:name>/messages/<int:pk>/unpin/", pins.unpin, name="unpin"),
    path("<room:name>/topic/", topics.topic, name="topic"),
    path("<room:name>/people/", people.mention_suggestions, name="people"),
]
