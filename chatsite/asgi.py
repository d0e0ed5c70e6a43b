import logging
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
# Django must be set up before anything imports models (as get_asgi_application() does).
django.setup(set_prefix=False)

from chatsite.handler import OneHopHandler  # noqa: E402

django_asgi_app = OneHopHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from chatsite.socket_auth import SessionAuthMiddleware  # noqa: E402
from rooms.limits import AddressLimit  # noqa: E402
from rooms.routing import websocket_urlpatterns  # noqa: E402


def serving(websockets: list) -> ProtocolTypeRouter:
    """The site with `websockets` behind the per-address socket cap, the origin check and
    session auth (the benchmark serves its variants' consumers through it too). The cap
    comes first, so a flood of sockets is refused before any session is read."""
    return ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": AddressLimit(
                AllowedHostsOriginValidator(SessionAuthMiddleware(URLRouter(websockets)))
            ),
        }
    )


application = serving(websocket_urlpatterns)

if settings.REDIS_URL:
    layer_description = f"Redis ({settings.CHANNEL_LAYERS['default']['BACKEND']})"
else:
    layer_description = "in-memory (REDIS_URL unset): live updates reach only this process"
logging.getLogger("chatsite").info("Channel layer: %s", layer_description)
