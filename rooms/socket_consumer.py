"""A Channels websocket consumer that reads its socket itself.

Channels' AsyncConsumer.__call__ runs `await_many_dispatch`, built for a layer channel
beside the socket: a task and an asyncio.wait for every message received, and a thread hop
to close stale database connections before every handler. A socket whose only source is
its own receive (the fan-out, rooms/fanout.py, writes to it) needs none of that, and idle
sockets are most of a server's memory (bench/README.md, run N). What reads the database
goes through database_sync_to_async, which closes stale connections in its own hop.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer


class SocketConsumer(AsyncWebsocketConsumer):
    """AsyncWebsocketConsumer with no channel layer of its own and a one-source loop."""

    # The fan-out receives for every socket of the process: no channel of its own.
    channel_layer_alias = None

    @classmethod
    def as_asgi(cls, **initkwargs: Any) -> Any:
        """Channels' as_asgi, minus its coroutine: this returns the consumer's own, so an
        idle socket holds one suspended frame fewer."""

        def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
            return cls(**initkwargs)(scope, receive, send)

        app._asgi_single_callable = True  # type: ignore[attr-defined]
        app.consumer_class = cls  # type: ignore[attr-defined]
        return app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scope, self.channel_layer, self.base_send = scope, None, send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            self.ended()

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def ended(self) -> None:
        """However the socket ended: closed, refused, failed or cancelled."""
