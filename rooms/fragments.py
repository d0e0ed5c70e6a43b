"""Every partial of the live path, named and rendered here.

The same partial renders a message in the page, a catch-up, the POST's answer, "Load
older" and a broadcast; nothing in a fragment depends on who receives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import translation

if TYPE_CHECKING:
    from chatsite.typing import User
    from rooms.models import Message, Room
    from rooms.presence import Snapshot

ROOM_PAGE = "rooms/room.html"
LOBBY_PAGE = "rooms/lobby.html"
# Partials of the room page that views answer with.
MESSAGE = f"{ROOM_PAGE}#message"
MESSAGES = f"{ROOM_PAGE}#live_messages"
OLDER_PAGE = f"{ROOM_PAGE}#older_page"
COMPOSER_FIELDS = f"{ROOM_PAGE}#composer_fields"
EDIT_FORM = f"{ROOM_PAGE}#edit_form"
LOBBY_ROWS = f"{LOBBY_PAGE}#rows"
ROOM_HEADER = "rooms/room_header.html"

# Where a message keeps its fragments: rendered once per revision and language, whoever asks
# (the broadcast on commit, and the sender's own POST answer).
_RENDERED = "_live_fragments"
_HEADER_RENDERED = "_live_header_fragments"


def message(message: Message) -> str:
    """The message as every open page of the active language merges it in."""
    key = (message.revision, translation.get_language())
    rendered: dict[tuple[int, str], str] = message.__dict__.setdefault(_RENDERED, {})
    if key not in rendered:
        for older in [seen for seen in rendered if seen[0] != message.revision]:
            del rendered[older]
        message.load_for_display()
        rendered[key] = render_to_string(MESSAGES, {"messages": [message]})
    return rendered[key]


def lobby_row(room: Room, last: Message) -> str:
    """The room's row, moved to the top of every lobby that lists it."""
    return render_to_string(f"{LOBBY_PAGE}#live_row", {"room": room, "last": last})


def room_header(room: Room) -> str:
    """The room's topic and "Pinned" panel, merged into the header by their version; like
    a message, rendered once per revision and language whoever asks."""
    key = (room.revision, translation.get_language())
    rendered: dict[tuple[int, str], str] = room.__dict__.setdefault(_HEADER_RENDERED, {})
    if key not in rendered:
        context = {"room": room, "pinned": room.pinned_messages(), "oob": True}
        for older in [seen for seen in rendered if seen[0] != room.revision]:
            del rendered[older]
        rendered[key] = render_to_string(ROOM_HEADER, context)
    return rendered[key]


def presence(snapshot: Snapshot) -> str:
    return render_to_string(f"{ROOM_PAGE}#live_presence", {"presence": snapshot})


def typing(typist: User) -> str:
    return render_to_string(f"{ROOM_PAGE}#typing", {"typist": typist})
