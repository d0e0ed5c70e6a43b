from __future__ import annotations

import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from rooms import broadcast, logout, presence
from rooms.models import Room, room_group_name

logger = logging.getLogger(__name__)

# Application close codes (4000-4999). The htmx ws extension reconnects only after
# 1006/1011/1012/1013, so these end the socket for good instead of retrying forever.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_SUCH_ROOM = 4404


@database_sync_to_async
def find_room(name: str) -> Room | None:
    return Room.objects.filter(name__iexact=name).first()


class RoomConsumer(AsyncWebsocketConsumer):
    """One open room page: joins the room's group and forwards its fragments verbatim.

    The page sends one kind of frame, {"type": "typing"}; everything else is ignored.
    """

    room_id: int | None = None
    last_typing: float = float("-inf")

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        room = await find_room(self.scope["url_route"]["kwargs"]["name"])
        if room is None:
            await self.refuse(CLOSE_NO_SUCH_ROOM)
            return
        # Logging out closes this socket (rooms/logout.py); Channels leaves `groups` on disconnect.
        self.groups = [logout.user_group_name(self.scope["user"].pk)]
        await self.channel_layer.group_add(self.groups[0], self.channel_name)
        self.room_id = room.pk
        await self.channel_layer.group_add(room.group_name, self.channel_name)
        await self.accept()
        await self.update_presence(presence.store().join)

    async def refuse(self, code: int) -> None:
        # Accept first: a rejected handshake reaches the browser as 1006, which the
        # htmx extension retries forever; an application code after accept it does not.
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.room_id is None:
            return
        await self.channel_layer.group_discard(room_group_name(self.room_id), self.channel_name)
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
        try:
            event = json.loads(text_data) if text_data is not None else None
        except ValueError:
            event = None
        if not isinstance(event, dict) or event.get("type") != "typing":
            logger.info("Ignored an unexpected frame on %s", self.channel_name)
            return
        now = time.monotonic()
        if now - self.last_typing < settings.TYPING_MIN_INTERVAL:
            return
        self.last_typing = now
        await broadcast.typing(self.room_id, self.scope["user"])
