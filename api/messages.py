"""/api/v1/messages/<id>: one message, wherever it is, for whoever may see its room."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router

from api.schemas import MessageOut, ProblemOut, message_out
from chatsite.typing import AuthenticatedRequest
from rooms.models import Message, Room

router = Router(tags=["messages"])


@router.get(
    "/messages/{int:message_id}",
    response={200: MessageOut, 401: ProblemOut, 404: ProblemOut, 429: ProblemOut},
)
def message(request: AuthenticatedRequest, message_id: int) -> dict[str, Any]:
    """The message as it stands: its Markdown and HTML, author, times, edit and deletion."""
    found = get_object_or_404(
        Message.objects.for_display().select_related("room"),
        pk=message_id,
        room__in=Room.objects.visible_to(request.user),
    )
    return message_out(request, found)
