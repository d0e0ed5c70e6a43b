"""The only place that sends to the channel layer.

Each change is rendered once, by the same partials the room page uses, and the same
HTML goes to every socket in the room: nothing here depends on who receives it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string

from rooms.models import room_group_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from rooms.models import Message
    from rooms.presence import Snapshot

logger = logging.getLogger(__name__)

# HTML for every socket in a group, written verbatim (rooms/fanout.py).
FORWARD_HTML = "room.html"
# What each server process sends itself to know that its groups still reach it.
HEARTBEAT = "fanout.heartbeat"
# Every open lobby hears about public rooms here; about the others in private_lobby(id).
PUBLIC_LOBBY = "lobby-public"


def private_lobby(room_id: int) -> str:
    return f"lobby-room-{room_id}"


async def send(group: str, event: dict) -> None:
    """Send `event` to `group`; each server process hands it to its sockets in the group.

    What it reports is already stored, so a channel-layer failure must not become an
    error: pages that missed it catch up when their socket reconnects.
    """
    try:
        # A process listens to all its groups on one channel: the event says which it is for.
        await get_channel_layer().group_send(group, {**event, "group": group})
    except Exception as error:  # noqa: BLE001 - any layer failure is logged, never raised
        logger.error("Broadcast to %s failed: %s: %s", group, type(error).__name__, error)


async def send_html(room_id: int, html: str) -> None:
    """Send `html` to every socket open on the room."""
    await send(room_group_name(room_id), {"type": FORWARD_HTML, "html": html})


def message_posted(message: Message) -> None:
    """A new message: to the room's pages, and its lobby row to every lobby that lists it."""
    room = message.room
    lobby = PUBLIC_LOBBY if room.is_public else private_lobby(room.pk)
    row = render_to_string("rooms/lobby.html#live_row", {"room": room, "last": message})

    async def both() -> None:
        await send_html(room.pk, message.live_html)
        await send(lobby, {"type": FORWARD_HTML, "html": row})

    async_to_sync(both)()


def message_changed(message: Message) -> None:
    async_to_sync(send_html)(message.room_id, message.live_html)


def membership_revoked(room_id: int, user_id: int) -> None:
    """`user_id` is out of the room: their sockets to it close (RoomConsumer.room_revoked)."""
    async_to_sync(send)(room_group_name(room_id), {"type": "room.revoked", "user_id": user_id})


async def presence_changed(room_id: int, snapshot: Snapshot) -> None:
    html = render_to_string("rooms/room.html#live_presence", {"presence": snapshot})
    await send_html(room_id, html)


async def typing(room_id: int, user: AbstractBaseUser) -> None:
    html = render_to_string("rooms/room.html#typing", {"typist": user})
    await send_html(room_id, html)
