"""The viewer's own notification data on the room page and the lobby: rendered per viewer
in the page, never in the message fragments, which are the same for everyone."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from notifications.forms import RoomLevelForm
from notifications.levels import default_level, level_for
from notifications.models import RoomLevel
from rooms.models import Room

register = template.Library()


@register.inclusion_tag("notifications/room_level.html", takes_context=True)
def room_notifications(context: template.Context) -> dict[str, Any]:
    """The room header's form: the viewer's level for the room, to change."""
    room, user = context["room"], context["request"].user
    level = level_for(user, room)
    return {
        "room": room,
        "level": level,
        "form": RoomLevelForm(initial={"level": level}),
    }


@register.inclusion_tag("notifications/page_data.html", takes_context=True)
def notification_page_data(context: template.Context) -> dict[str, Any]:
    """The viewer's levels for the rooms the page shows (a room, or the lobby's rows), for
    static/htmx/chat/levels.js; and the "Turn on desktop notifications" button."""
    user = context["request"].user
    room = context.get("room")
    if not isinstance(room, Room):
        room = None
    if room is None and "rooms" not in context:
        return {"shown": False}  # neither a room nor the lobby: nothing to count
    rooms = [room] if room is not None else list(context["rooms"])
    # Evaluating the lobby's queryset here fills its cache: the rows reuse it, no new query.
    chosen = dict(RoomLevel.objects.filter(user=user).values_list("room_id", "level"))
    data = {
        "room": room.pk if room is not None else None,
        "direct": bool(room is not None and room.is_direct),
        "label": context.get("label", ""),
        "levels": {str(each.pk): chosen.get(each.pk) or default_level(each) for each in rooms},
        # Translators: a desktop notification's title. Keep {author} and {room}.
        "title": gettext("{author} in {room}"),
    }
    return {"data": data, "shown": True}
