from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from redis import Redis

from chatsite.asgi import application
from rooms.actions import open_room, post_message
from rooms.models import Room
from support.redis import RedisServer, redis_server


@pytest.fixture(autouse=True)
def quick_presence(settings) -> None:
    """Presence broadcasts coalesce over a second (rooms.presence.Coalescer); tests that
    follow each join and leave would wait that long for each, beyond a socket's receive
    timeout. The coalescing itself is tested with its own interval."""
    settings.PRESENCE_INTERVAL = 0.05


@pytest.fixture(autouse=True)
def _plain_static_storage(settings) -> None:
    # Production settings use hashed static names, which need `collectstatic`;
    # unit tests render templates without collecting.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _open_signup(settings) -> None:
    # Tests that are not about sign-up sign up freely; tests/test_accounts_signup.py sets
    # SIGNUP=invite (the default) for its own.
    settings.SIGNUP = "open"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # A request in Spanish leaves Spanish active in this thread (LocaleMiddleware activates
    # and nothing deactivates): each test starts, and leaves, in the default language.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _in_memory_layer(settings) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(scope="session")
def redis(tmp_path_factory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(
    params=[
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "channels_redis.core.RedisChannelLayer",
    ],
    ids=["pubsub", "core"],
)
def redis_layer(request, settings, redis: RedisServer) -> str:
    """Use a channels-redis layer (each test runs on both) and Redis presence against the
    real redis-server."""
    with Redis.from_url(redis.url) as client:
        client.flushdb()
    settings.REDIS_URL = redis.url
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": request.param, "CONFIG": {"hosts": [redis.url]}}
    }
    return redis.url


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", password="correct horse battery")


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user("bob", password="correct horse battery")


@pytest.fixture
def room(db, alice) -> Room:
    return open_room("general", by=alice)


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


ORIGIN = (b"origin", b"http://localhost")


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@pytest.fixture
def cookies(alice, bob) -> dict:
    return {user: session_cookie(user) for user in (alice, bob)}


@pytest.fixture
def socket_for(cookies) -> Callable[..., WebsocketCommunicator]:
    def socket_for(user, room_name: str) -> WebsocketCommunicator:
        """A socket through the full stack: origin check, session auth, routing."""
        return WebsocketCommunicator(
            application, f"/ws/chat/{room_name}/", headers=[ORIGIN, cookies[user]]
        )

    return socket_for


post = database_sync_to_async(post_message)
PRESENCE_PREFIX = '<div hx-swap-oob="merge:.room-header"><div id="presence"'


async def next_message(socket: WebsocketCommunicator) -> str:
    """The next frame that is not a presence update (those come with every join)."""
    while (frame := await socket.receive_from()).startswith(PRESENCE_PREFIX):
        pass
    return frame


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files (attachments, avatars) in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
