"""The only place that sends to the channel layer.

Each change is rendered once per language that has an open page (rooms/fragments.py) and
the same HTML goes to every socket in the group: nothing here depends on who receives it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import translation

from rooms import fragments, layer_adapter, protocol

if TYPE_CHECKING:
    from chatsite.typing import User
    from rooms.models import Message, Room
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


# A language -> the groups of that language to send to, each with what renders its HTML.
Plan = Callable[[str], list[tuple[str, Callable[[], str]]]]


async def listened(plan: Plan) -> list[tuple[str, str, Callable[[], str]]]:
    """`plan`'s (language, group, render) for every language the site speaks, but only
    for the groups someone listens to now: a fragment is rendered once per language that
    has an open page, and not at all for one that has none.

    A page that opens just after this asked catches up by itself (its socket joins
    before it asks for what it missed), so what it was not sent it still gets."""
    planned = [(language, group, render) for language in protocol.languages()
               for group, render in plan(language)]  # fmt: skip
    groups = await layer_adapter.listened(get_channel_layer(), [item[1] for item in planned])
    return [item for item in planned if item[1] in groups]


def rendered(planned: list[tuple[str, str, Callable[[], str]]]) -> list[tuple[str, str]]:
    """(group, html) for each planned send, rendered with its language active."""
    sends = []
    for language, group, render in planned:
        with translation.override(language):
            sends.append((group, render()))
    return sends


def send_planned(plan: Plan) -> None:
    """Render `plan`'s sends for the groups someone listens to, and send them (sync code)."""
    async_to_sync(send_all)(rendered(async_to_sync(listened)(plan)))


async def send_all(sends: list[tuple[str, str]]) -> None:
    for group, html in sends:
        await send_html(group, html)


def message_posted(message: Message) -> None:
    """A new message: to the room's pages, and its lobby row to every lobby that lists it."""
    room = message.room

    def plan(language: str) -> list[tuple[str, Callable[[], str]]]:
        lobby = (
            protocol.public_lobby(language)
            if room.is_public
            else protocol.private_lobby(room.pk, language)
        )
        return [
            (protocol.room_group(room.pk, language), lambda: fragments.message(message)),
            (lobby, lambda: fragments.lobby_row(room, message)),
        ]

    send_planned(plan)


def message_changed(message: Message) -> None:
    def plan(language: str) -> list[tuple[str, Callable[[], str]]]:
        group = protocol.room_group(message.room_id, language)
        return [(group, lambda: fragments.message(message))]

    send_planned(plan)


def room_header_changed(room: Room) -> None:
    """The room's topic or pinned messages changed: its header, to every open page."""

    def plan(language: str) -> list[tuple[str, Callable[[], str]]]:
        return [(protocol.room_group(room.pk, language), lambda: fragments.room_header(room))]

    send_planned(plan)


def membership_revoked(room_id: int, user_id: int) -> None:
    """`user_id` is out of the room: their sockets to it close (RoomConsumer.room_revoked)."""

    async def to_every_language() -> None:
        for group in protocol.room_groups(room_id):
            await send(group, {"type": protocol.ROOM_REVOKED, "user_id": user_id})

    async_to_sync(to_every_language)()


def user_logged_out(user_id: int) -> None:
    """Every socket the user has open closes (FragmentConsumer.user_logout)."""
    async_to_sync(send)(protocol.user_group(user_id), {"type": protocol.USER_LOGOUT})


def user_sessions_ended(user_id: int, keep: str) -> None:
    """Every socket of the user closes but those of session `keep` (a protocol.session_tag;
    empty: none is kept) (FragmentConsumer.user_sessions_ended)."""
    event = {"type": protocol.USER_SESSIONS_ENDED, "keep": keep}
    async_to_sync(send)(protocol.user_group(user_id), event)


async def presence_changed(room_id: int, snapshot: Snapshot) -> None:
    def plan(language: str) -> list[tuple[str, Callable[[], str]]]:
        return [(protocol.room_group(room_id, language), lambda: fragments.presence(snapshot))]

    # Rendered in a thread: the list shows each person's name and avatar, from the database.
    await send_all(await database_sync_to_async(rendered)(await listened(plan)))


async def typing(room_id: int, user: User) -> None:
    def plan(language: str) -> list[tuple[str, Callable[[], str]]]:
        return [(protocol.room_group(room_id, language), lambda: fragments.typing(user))]

    await send_all(rendered(await listened(plan)))
