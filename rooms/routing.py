from django.urls import path

from rooms.consumers import LobbyConsumer, RoomConsumer

websocket_urlpatterns = [
    path("ws/lobby/", LobbyConsumer.as_asgi()),
    path("ws/chat/<str:name>/", RoomConsumer.as_asgi()),
]
