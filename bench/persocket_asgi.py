"""The chat as it was before rooms/fanout.py: a layer channel per socket, for before/after.

Each socket joins its groups with a channel of its own, so a broadcast to a room of N
pages is N layer messages and N consumer dispatches (the thread hop Channels makes before
each handler is skipped for fragments, as the chat did). Serve it like the chat:

    uvicorn --ws websockets-sansio --ws-per-message-deflate false bench.persocket_asgi:application
"""

from typing import Any

from channels.consumer import AsyncConsumer
from channels.layers import DEFAULT_CHANNEL_LAYER
from django.urls import path

from chatsite.asgi import serving  # sets Django up; logs which channel layer runs
from rooms import protocol
from rooms.consumers import RoomConsumer


class PerSocketRoomConsumer(RoomConsumer):
    channel_layer_alias = DEFAULT_CHANNEL_LAYER

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Channels' own loop, over the socket and the layer channel beside it.
        try:
            await AsyncConsumer.__call__(self, scope, receive, send)
        finally:
            self.ended()

    async def join(self, *groups: str) -> bool:
        self.groups = [protocol.user_group(self.scope["user"].pk), *groups]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        return True

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] == protocol.HTML:
            await self.send(text_data=message["html"])
        else:
            await AsyncConsumer.dispatch(self, message)


application = serving([path("ws/chat/<str:name>/", PerSocketRoomConsumer.as_asgi())])
