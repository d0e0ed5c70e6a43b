"""The only place that sends to the channel layer.

Each change is rendered once, by the same partial the room page uses, and the same
HTML goes to every socket in the room: nothing here depends on who receives it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

if TYPE_CHECKING:
    from rooms.models import Message, Room

logger = logging.getLogger(__name__)

# The consumer method that forwards a fragment (`type` "room.html" -> room_html).
FORWARD_HTML = "room.html"


def message_posted(message: Message) -> None:
    send_html(message.room, message.live_html)


def send_html(room: Room, html: str) -> None:
    """Send `html` to every socket open on `room`.

    The message is already stored, so a channel-layer failure must not turn the post
    into an error: pages that missed it fetch it when their socket reconnects.
    """
    try:
        async_to_sync(get_channel_layer().group_send)(
            room.group_name, {"type": FORWARD_HTML, "html": html}
        )
    except Exception as error:  # noqa: BLE001 - any layer failure is logged, never raised
        logger.error("Broadcast to %s failed: %s: %s", room.group_name, type(error).__name__, error)
