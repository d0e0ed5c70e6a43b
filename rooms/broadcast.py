"""The only place that sends to the channel layer.

Each change is rendered once (rooms/fragments.py) and the same HTML goes to every socket
in the group: nothing here depends on who receives it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from rooms import fragments, protocol

if TYPE_CHECKING:
    from chatsite.typing import User
    from rooms.models import Message
    from rooms.presence import Snapshot

logger = logging.getLogger(__name__)


async def send(group: str, event: dict[str, Any]) -> None:
    """Send `event` to `group`; each server process hands it to its sockets in the group.

    What it reports is already stored, so a channel-layer failure must not become an
    error: pages that missed it catch up when their socket reconnects.
    """
    try:
        # A process listens to all its groups on one channel: the event says which it is for.
        await get_channel_layer().group_send(group, {**event, "group": group})
    except Exception as error:  # noqa: BLE001 - any layer failure is logged, never raised
        logger.error("Broadcast to %s failed: %s: %s", group, type(error).__name__, error)


async def send_html(group: str, html: str) -> None:
    """Send `html` to every socket in `group`, written to each as it is."""
    await send(group, {"type": protocol.HTML, "html": html})


def message_posted(message: Message) -> None:
    """A new message: to the room's pages, and its lobby row to every lobby that lists it."""
    room = message.room
    lobby = protocol.PUBLIC_LOBBY if room.is_public else protocol.private_lobby(room.pk)
    html, row = fragments.message(message), fragments.lobby_row(room, message)

    async def both() -> None:
        await send_html(protocol.room_group(room.pk), html)
        await send_html(lobby, row)

    async_to_sync(both)()


def message_changed(message: Message) -> None:
    async_to_sync(send_html)(protocol.room_group(message.room_id), fragments.message(message))


def membership_revoked(room_id: int, user_id: int) -> None:
    """`user_id` is out of the room: their sockets to it close (RoomConsumer.room_revoked)."""
    event = {"type": protocol.ROOM_REVOKED, "user_id": user_id}
    async_to_sync(send)(protocol.room_group(room_id), event)


def user_logged_out(user_id: int) -> None:
    """Every socket the user has open closes (FragmentConsumer.user_logout)."""
    async_to_sync(send)(protocol.user_group(user_id), {"type": protocol.USER_LOGOUT})


async def presence_changed(room_id: int, snapshot: Snapshot) -> None:
    await send_html(protocol.room_group(room_id), fragments.presence(snapshot))


async def typing(room_id: int, user: User) -> None:
    await send_html(protocol.room_group(room_id), fragments.typing(user))
