"""The chat with Channels' stock dispatch: `aclose_old_connections()` before every frame.

`rooms.consumers.RoomConsumer` skips that thread hop for forwarded fragments. This app
serves the same consumer with the hop put back, so the benchmark can price it:

    daphne bench.hop_asgi:application
"""

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
from django.urls import path  # noqa: E402

from rooms.consumers import RoomConsumer  # noqa: E402


class StockDispatchRoomConsumer(RoomConsumer):
    async def dispatch(self, message):
        await AsyncWebsocketConsumer.dispatch(self, message)


# The same start-up line as chatsite/asgi.py: the benchmark checks which layer runs.
logging.getLogger("chatsite").info(
    "Channel layer: Redis (%s)", settings.CHANNEL_LAYERS["default"]["BACKEND"]
)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter([path("ws/chat/<str:name>/", StockDispatchRoomConsumer.as_asgi())])
            )
        ),
    }
)
