"""The live protocol: channel-layer groups, event types and websocket close codes.

Broadcast (sending), the fan-out (each process's receiving), the consumers and the page all
name these from here; the page gets the close codes it needs from its template
(`live_protocol` in rooms/context_processors.py), never from copies in JavaScript.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Final

from django.conf import settings

# Event types. HTML events are written verbatim to every socket of their group.
HTML: Final = "room.html"
# What each server process sends itself to know that its groups still reach it.
HEARTBEAT: Final = "fanout.heartbeat"
# Handled by consumer methods (room_revoked, user_logout), not written to sockets.
ROOM_REVOKED: Final = "room.revoked"
USER_LOGOUT: Final = "user.logout"
# A person's password changed: their sockets close, but those of the session that changed it
# (the event's "keep", a session_tag).
USER_SESSIONS_ENDED: Final = "user.sessions_ended"
# A frame a room page sends when it opens its socket and whenever it is shown or hidden:
# {"type": "visibility", "visible": true|false} (web push skips people looking at the room).
VISIBILITY: Final = "visibility"

# HTML goes to groups per language: a fragment is rendered once for each language the site
# speaks (settings.LANGUAGES) and each socket joins the groups of its page's language, so
# the cost of a change grows with the languages, never with the readers.


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def page_language(code: str) -> str:
    """`code` if the site speaks it, else the default language: what a socket listens in."""
    return code if code in languages() else settings.LANGUAGE_CODE


def room_group(room_id: int, language: str) -> str:
    """Every socket open on the room, in a page of that language."""
    return f"room-{room_id}-{language}"


def room_groups(room_id: int) -> list[str]:
    """Every socket open on the room, whatever its language."""
    return [room_group(room_id, language) for language in languages()]


def public_lobby(language: str) -> str:
    """Every open lobby (of that language) hears about public rooms here."""
    return f"lobby-public-{language}"


def private_lobby(room_id: int, language: str) -> str:
    """Every lobby (of that language) that lists a private room or direct conversation."""
    return f"lobby-room-{room_id}-{language}"


def user_group(user_id: object) -> str:
    """Every socket a user has open, whatever the page: logging out closes them."""
    return f"user-{user_id}"


def session_tag(session_key: str) -> str:
    """How events name a session: a digest, so session keys never travel through the layer."""
    return hashlib.sha256(f"socket-session:{session_key}".encode()).hexdigest()[:32]


def heartbeat_group() -> str:
    """A group of one server process's own, new each time its fan-out starts."""
    return f"fanout-heartbeat-{uuid.uuid4().hex}"


# Close codes. The page reconnects after any code below 4000 and catches up; it never
# retries 4000-4999. Not 1012 for "reconnect": daphne (autobahn) lets an application close
# only with 1000 or 3000-4999.
CLOSE_RECONNECT: Final = 3012
CLOSE_UNAUTHENTICATED: Final = 4401
CLOSE_FORBIDDEN: Final = 4403
CLOSE_NO_SUCH_ROOM: Final = 4404
# A socket that sent nothing but frames a page never sends (rooms/consumers.py).
CLOSE_UNEXPECTED_FRAMES: Final = 4400
# One person, or one client address, has as many sockets open in this process as it may
# (settings.SOCKETS_PER_USER, SOCKETS_PER_ADDRESS; rooms/limits.py). Not retried: the page
# says "Disconnected" and a reload, once a tab is closed, gets a socket again.
CLOSE_TOO_MANY_SOCKETS: Final = 4429
