from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from rooms.broadcast import FORWARD_HTML
from rooms.models import Room

# Application close codes (4000-4999). The htmx ws extension reconnects only after
# 1006/1011/1012/1013, so these end the socket for good instead of retrying forever.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_SUCH_ROOM = 4404


@database_sync_to_async
def find_room(name: str) -> Room | None:
    return Room.objects.filter(name__iexact=name).first()


class RoomConsumer(AsyncWebsocketConsumer):
    """One open room page: joins the room's group and forwards its fragments verbatim."""

    group_name: str | None = None

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        room = await find_room(self.scope["url_route"]["kwargs"]["name"])
        if room is None:
            await self.refuse(CLOSE_NO_SUCH_ROOM)
            return
        self.group_name = room.group_name
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def refuse(self, code: int) -> None:
        # Accept first: a rejected handshake reaches the browser as 1006, which the
        # htmx extension retries forever; an application code after accept it does not.
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Forwarding touches no database, so it skips the thread hop that Channels'
        # dispatch makes before every handler to close stale database connections.
        if message["type"] == FORWARD_HTML:
            await self.room_html(message)
        else:
            await super().dispatch(message)

    async def room_html(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["html"])

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Pages only listen; anything they send is ignored."""
