from __future__ import annotations

from django.shortcuts import get_object_or_404

from chatsite.typing import AuthenticatedRequest
from rooms.models import Message, Room


def visible_room(request: AuthenticatedRequest, name: str) -> Room:
    """The room called `name`; 404 when there is none or the user may not see it."""
    return get_object_or_404(Room.objects.visible_to(request.user), name__iexact=name)


def find_message(request: AuthenticatedRequest, name: str, pk: int) -> Message:
    return get_object_or_404(
        Message.objects.for_display().select_related("room"),
        pk=pk,
        room=visible_room(request, name),
    )
