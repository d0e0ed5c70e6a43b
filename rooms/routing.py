from django.urls import path

from rooms.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/chat/<str:name>/", RoomConsumer.as_asgi()),
]
