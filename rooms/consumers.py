from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings

from chatsite import ratelimit, socket_auth
from rooms import broadcast, limits, presence, protocol
from rooms.fanout import fanout
from rooms.models import Room
from rooms.protocol import (
    CLOSE_FORBIDDEN,
    CLOSE_NO_SUCH_ROOM,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_UNAUTHENTICATED,
    CLOSE_UNEXPECTED_FRAMES,
)
from rooms.socket_consumer import SocketConsumer

logger = logging.getLogger(__name__)


class FragmentConsumer(SocketConsumer):
    """A page that receives server-rendered fragments, written to it verbatim by this
    process's fan-out (rooms/fanout.py), which listens to the channel layer for it.

    Every socket is in its user's group too, so logging out closes it (accounts/signals.py).
    """

    # The user this socket counts against (SOCKETS_PER_USER), once it does.
    counted_user: object = None
    unexpected_frames = 0

    def ended(self) -> None:
        self.uncount()  # however the socket ended

    def uncount(self) -> None:
        if self.counted_user is not None:
            limits.release("user", self.counted_user)
            self.counted_user = None

    def __str__(self) -> str:
        user = self.scope["user"]
        return f"of user {user.pk} at {limits.client_address(self.scope)}"

    @property
    def language(self) -> str:
        """The page's language (?language= in the socket's URL): the groups it listens in."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        return protocol.page_language(query.get("language", [""])[0])

    async def join(self, *groups: str) -> bool:
        """Join `groups` and open; False, with the handshake refused, when the layer is down."""
        user_group = protocol.user_group(self.scope["user"].pk)
        try:
            await fanout().join(self, (user_group, *groups))
        except Exception as error:  # noqa: BLE001 - one log line, not a traceback per socket
            logger.error("Socket refused, channel layer down: %s: %s", type(error).__name__, error)
            # Refused before accept: the browser sees 1006, which the page retries.
            await self.close()
            return False
        await fanout().open(self)
        return True

    def look_up(self) -> Any:
        """What connecting needs from the database once the user is known (database code)."""
        return None

    @database_sync_to_async
    def identify(self) -> tuple[bool, Any]:
        """One hop for the user and what `look_up` finds: whether signed in, and that."""
        if not socket_auth.identify(self.scope).is_authenticated:
            return False, None
        return True, self.look_up()

    async def admit(self) -> tuple[bool, Any]:
        """Whether the socket is a signed-in person's, within their SOCKETS_PER_USER
        (refused, 4401 or 4429, if not), and what `look_up` found."""
        signed_in, found = await self.identify()
        if not signed_in:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return False, None
        user_id, limit = self.scope["user"].pk, settings.SOCKETS_PER_USER
        if not limits.claim("user", user_id, limit):
            refusal = "Socket refused: user %s has %d open in this process (SOCKETS_PER_USER)"
            logger.warning(refusal, user_id, limit)
            await self.refuse(CLOSE_TOO_MANY_SOCKETS)
            return False, None
        self.counted_user = user_id
        return True, found

    async def refuse(self, code: int) -> None:
        # Accept first: a rejected handshake reaches the browser as 1006, which the
        # htmx extension retries forever; an application code after accept it does not.
        await self.accept()
        await self.close(code=code)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        self.uncount()  # closed: another may open at once
        await fanout().leave(self)  # nothing to do for a socket that never joined
        await super().websocket_disconnect(message)

    async def end(self, code: int) -> None:
        """Close for good, from an event the fan-out hands over: nothing more is sent."""
        fanout().forget(self)
        await self.close(code=code)

    async def user_logout(self, event: dict[str, Any]) -> None:
        """The user logged out, in some tab."""
        await self.end(CLOSE_UNAUTHENTICATED)

    async def user_sessions_ended(self, event: dict[str, Any]) -> None:
        """The user's password changed: this socket's session has ended, unless it is the
        one that changed it."""
        if event["keep"] != protocol.session_tag(self.scope["session"].session_key or ""):
            await self.end(CLOSE_UNAUTHENTICATED)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """A frame no page sends: ignored, and logged, a few times; then the socket closes
        (4400), so that one sending nothing else costs neither a socket nor the log."""
        self.unexpected_frames += 1
        allowed = settings.SOCKET_MAX_UNEXPECTED_FRAMES
        if self.unexpected_frames <= allowed:
            logger.info("Ignored an unexpected frame from user %s", self.scope["user"].pk)
        elif self.unexpected_frames == allowed + 1:
            logger.warning("Socket %s closed: more than %d unexpected frames", self, allowed)
            await self.end(CLOSE_UNEXPECTED_FRAMES)


class RoomConsumer(FragmentConsumer):
    """One open room page. It sends two kinds of frame, {"type": "typing"} and its
    visibility (protocol.VISIBILITY)."""

    room_id: int | None = None
    last_typing: float = float("-inf")
    shown = False  # whether the page says it is visible

    def look_up(self) -> tuple[Room | None, bool]:
        """The room, and whether the user may see it."""
        room = Room.named(self.scope["url_route"]["kwargs"]["name"])
        return room, room is not None and room.is_visible_to(self.scope["user"])

    async def connect(self) -> None:
        admitted, found = await self.admit()
        if not admitted:
            return
        # Who is here: one entry per open page (a user may have several).
        self.presence_key = uuid.uuid4().hex
        room, visible = found
        if room is None:
            await self.refuse(CLOSE_NO_SUCH_ROOM)
            return
        if not visible:
            await self.refuse(CLOSE_FORBIDDEN)
            return
        if not await self.join(protocol.room_group(room.pk, self.language)):
            return
        self.room_id = room.pk
        await self.update_presence(presence.store().join)

    async def disconnect(self, code: int) -> None:
        if self.room_id is not None:
            await self.set_visible(False)
            await self.update_presence(presence.store().leave)

    async def set_visible(self, shown: bool) -> None:
        """Record a change of the page's visibility (rooms/visibility.py), best-effort."""
        if self.room_id is None or shown == self.shown:
            return
        self.shown = shown
        user_id = self.scope["user"].pk
        try:
            async with asyncio.timeout(settings.PRESENCE_TIMEOUT):
                await presence.store().set_visible(self.room_id, user_id, self.presence_key, shown)
        except Exception as error:  # noqa: BLE001 - as presence: chat goes on without it
            logger.error("Visibility update failed: %s: %s", type(error).__name__, error)

    async def update_presence(self, change: presence.Change) -> None:
        room_id = self.room_id
        if room_id is None:
            return  # never joined
        try:
            # Bounded: with Redis down, redis-py retries for a long while, and the socket's
            # next event (its close, say) waits for this one.
            async with asyncio.timeout(settings.PRESENCE_TIMEOUT):
                await change(room_id, self.presence_key, self.username)
        except Exception as error:  # noqa: BLE001 - presence is best-effort; chat goes on
            logger.error("Presence update failed: %s: %s", type(error).__name__, error)
            return
        await presence.announce(room_id)

    @property
    def username(self) -> str:
        return self.scope["user"].get_username()

    async def room_revoked(self, event: dict[str, Any]) -> None:
        """Someone left or was removed from this room: if it is this socket's user, close."""
        if event["user_id"] == self.scope["user"].pk:
            await self.end(CLOSE_FORBIDDEN)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            event = json.loads(text_data) if text_data is not None else None
        except ValueError:
            event = None
        event = event if isinstance(event, dict) else {}
        if event.get("type") == protocol.VISIBILITY and isinstance(event.get("visible"), bool):
            await self.set_visible(event["visible"])
            return
        if event.get("type") != "typing":
            await super().receive(text_data, bytes_data)
            return
        # This socket's own interval first (no I/O), then the user's limit across all
        # their sockets and server processes (settings.RATE_LIMITS["typing"]).
        now = time.monotonic()
        if self.room_id is None or now - self.last_typing < settings.TYPING_MIN_INTERVAL:
            return
        self.last_typing = now
        if await ratelimit.allow_async("typing", self.scope["user"].pk):
            await broadcast.typing(self.room_id, self.scope["user"])


class LobbyConsumer(FragmentConsumer):
    """The lobby: a row for every room the user can see, moved and counted as rooms talk."""

    def look_up(self) -> list[int]:
        return list(Room.objects.private_joined_by(self.scope["user"]).values_list("pk", flat=True))

    async def connect(self) -> None:
        admitted, private = await self.admit()
        if not admitted:
            return
        language = self.language
        lobbies = [protocol.private_lobby(room_id, language) for room_id in private]
        await self.join(protocol.public_lobby(language), *lobbies)
