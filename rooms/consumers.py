from __future__ import annotations

import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from rooms import broadcast, logout, presence, ratelimit
from rooms.models import Membership, Room

logger = logging.getLogger(__name__)

# Application close codes (4000-4999). The htmx ws extension reconnects only after
# 1006/1011/1012/1013, so these end the socket for good instead of retrying forever.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_SUCH_ROOM = 4404


@database_sync_to_async
def find_room(name: str, user: Any) -> tuple[Room | None, bool]:
    """The room called `name`, and whether `user` may see it."""
    room = Room.objects.filter(name__iexact=name).first()
    return room, room is not None and room.is_visible_to(user)


@database_sync_to_async
def private_rooms_of(user: Any) -> list[int]:
    return list(
        Membership.objects.filter(user=user)
        .exclude(room__kind=Room.Kind.PUBLIC)
        .values_list("room_id", flat=True)
    )


class FragmentConsumer(AsyncWebsocketConsumer):
    """A page that receives server-rendered fragments and forwards them verbatim.

    Every socket belongs to its user's group, so logging out closes it (rooms/logout.py);
    Channels leaves all of `groups` on disconnect.
    """

    async def join(self, *groups: str) -> bool:
        """Join `groups`; False, with the handshake refused, when the layer is down."""
        try:
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
        except Exception as error:  # noqa: BLE001 - one log line, not a traceback per socket
            logger.error("Socket refused, channel layer down: %s: %s", type(error).__name__, error)
            # Refused before accept: the browser sees 1006, which the page retries.
            await self.close()
            return False
        self.groups = [*self.groups, *groups]
        return True

    async def authenticated(self) -> bool:
        if self.scope["user"].is_authenticated:
            return await self.join(logout.user_group_name(self.scope["user"].pk))
        await self.refuse(CLOSE_UNAUTHENTICATED)
        return False

    async def refuse(self, code: int) -> None:
        # Accept first: a rejected handshake reaches the browser as 1006, which the
        # htmx extension retries forever; an application code after accept it does not.
        await self.accept()
        await self.close(code=code)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Forwarding touches no database, so it skips the thread hop that Channels'
        # dispatch makes before every handler to close stale database connections.
        if message["type"] == broadcast.FORWARD_HTML:
            await self.room_html(message)
        else:
            await super().dispatch(message)

    async def room_html(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])

    async def user_logout(self, event: dict[str, Any]) -> None:
        """The user logged out, in some tab: close now and stop, so nothing more is sent."""
        await self.close(code=CLOSE_UNAUTHENTICATED)
        await self.websocket_disconnect({"code": CLOSE_UNAUTHENTICATED})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        logger.info("Ignored an unexpected frame on %s", self.channel_name)


class RoomConsumer(FragmentConsumer):
    """One open room page. It sends one kind of frame, {"type": "typing"}."""

    room_id: int | None = None
    last_typing: float = float("-inf")

    async def connect(self) -> None:
        if not await self.authenticated():
            return
        room, visible = await find_room(
            self.scope["url_route"]["kwargs"]["name"], self.scope["user"]
        )
        if room is None:
            await self.refuse(CLOSE_NO_SUCH_ROOM)
            return
        if not visible:
            await self.refuse(CLOSE_FORBIDDEN)
            return
        if not await self.join(room.group_name):
            return
        self.room_id = room.pk
        await self.accept()
        await self.update_presence(presence.store().join)

    async def disconnect(self, code: int) -> None:
        if self.room_id is not None:
            await self.update_presence(presence.store().leave)

    async def update_presence(self, change: presence.Change) -> None:
        try:
            snapshot = await change(self.room_id, self.channel_name, self.username)
        except Exception as error:  # noqa: BLE001 - presence is best-effort; chat goes on
            logger.error("Presence update failed: %s: %s", type(error).__name__, error)
            return
        await broadcast.presence_changed(self.room_id, snapshot)

    @property
    def username(self) -> str:
        return self.scope["user"].get_username()

    async def room_revoked(self, event: dict[str, Any]) -> None:
        """Someone left or was removed from this room: if it is this socket's user, close."""
        if event["user_id"] == self.scope["user"].pk:
            await self.close(code=CLOSE_FORBIDDEN)
            await self.websocket_disconnect({"code": CLOSE_FORBIDDEN})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            event = json.loads(text_data) if text_data is not None else None
        except ValueError:
            event = None
        if not isinstance(event, dict) or event.get("type") != "typing":
            await super().receive(text_data, bytes_data)
            return
        # This socket's own interval first (no I/O), then the user's limit across all
        # their sockets and server processes (settings.RATE_LIMITS["typing"]).
        now = time.monotonic()
        if now - self.last_typing < settings.TYPING_MIN_INTERVAL:
            return
        self.last_typing = now
        if await ratelimit.allow_async("typing", self.scope["user"].pk):
            await broadcast.typing(self.room_id, self.scope["user"])


class LobbyConsumer(FragmentConsumer):
    """The lobby: a row for every room the user can see, moved and counted as rooms talk."""

    async def connect(self) -> None:
        if not await self.authenticated():
            return
        private = await private_rooms_of(self.scope["user"])
        if await self.join(broadcast.PUBLIC_LOBBY, *map(broadcast.private_lobby, private)):
            await self.accept()
