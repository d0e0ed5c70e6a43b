"""The chat with Channels' stock dispatch: `aclose_old_connections()` before every frame.

`rooms.consumers.RoomConsumer` skips that thread hop for forwarded fragments. This app
serves the same consumer with the hop put back, so the benchmark can price it:

    daphne bench.hop_asgi:application
"""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path

from chatsite.asgi import serving  # sets Django up; logs which channel layer runs
from rooms.consumers import RoomConsumer


class StockDispatchRoomConsumer(RoomConsumer):
    async def dispatch(self, message):
        await AsyncWebsocketConsumer.dispatch(self, message)


application = serving([path("ws/chat/<str:name>/", StockDispatchRoomConsumer.as_asgi())])
