from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from chatsite.typing import AuthenticatedRequest
from rooms.models import Message, Room


def visible_room(request: AuthenticatedRequest, name: str) -> Room:
    """The room called `name`; 404 when there is none or the user may not see it."""
    # Found by name, then checked: a public room (most requests) needs no membership
    # subquery, which took as long to build as the rest of the lookup.
    room = Room.named(name)
    if room is None or not room.is_visible_to(request.user):
        raise Http404("No Room matches the given query.")
    return room


def find_message(request: AuthenticatedRequest, name: str, pk: int) -> Message:
    return get_object_or_404(
        Message.objects.for_display().select_related("room"),
        pk=pk,
        room=visible_room(request, name),
    )
