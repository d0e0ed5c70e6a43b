"""The Channels tutorial's design, for comparison: what most Django teams would build.

A stock `AsyncWebsocketConsumer` (Channels' own dispatch, so `aclose_old_connections()`
runs before every handler), one channel per socket in a core Redis-layer group, and
every message re-encoded as JSON for every client. As in the tutorial, a message comes in
over the sender's websocket and is not stored. Serve it like the chat:

    daphne bench.tutorial_asgi:application
"""

import json

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from chatsite.asgi import serving  # sets Django up; logs which channel layer runs


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_name = self.scope["url_route"]["kwargs"]["room_name"]
        self.room_group_name = f"chat_{self.room_name}"
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, close_code):
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data):
        message = json.loads(text_data)["message"]
        await self.channel_layer.group_send(
            self.room_group_name, {"type": "chat.message", "message": message}
        )

    async def chat_message(self, event):
        await self.send(text_data=json.dumps({"message": event["message"]}))


application = serving([re_path(r"ws/chat/(?P<room_name>\w+)/$", ChatConsumer.as_asgi())])
