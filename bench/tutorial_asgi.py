"""The Channels tutorial's design, for comparison: what most Django teams would build.

A stock `AsyncWebsocketConsumer` (Channels' own dispatch, so `aclose_old_connections()`
runs before every handler), one channel per socket in a core Redis-layer group, and
every message re-encoded as JSON for every client. As in the tutorial, a message comes in
over the sender's websocket and is not stored. Serve it like the chat:

    daphne bench.tutorial_asgi:application
"""

import json
import logging
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import re_path  # noqa: E402


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


# The same start-up line as chatsite/asgi.py: the benchmark checks which layer runs.
logging.getLogger("chatsite").info(
    "Channel layer: Redis (%s)", settings.CHANNEL_LAYERS["default"]["BACKEND"]
)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter([re_path(r"ws/chat/(?P<room_name>\w+)/$", ChatConsumer.as_asgi())])
            )
        ),
    }
)
