from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from rooms.fields import answered_message
from rooms.forms import MessageForm
from rooms.views.access import visible_room
from rooms.views.rooms import render_room

COMPOSER_REPLY = "rooms/composer_reply.html"


@login_required
@require_http_methods(["GET"])
def reply(request: AuthenticatedRequest, name: str, pk: int) -> HttpResponse:
    """The composer, quoting message `pk`: swapped into the composer by htmx, or (without
    JavaScript) the room page with it. 404 when the reader may not see the message, or it
    is deleted or a system line."""
    room = visible_room(request, name)
    try:
        original = answered_message(room, pk)
    except ValidationError:
        raise Http404 from None
    form = MessageForm.blank(reply_to=original)
    if request.htmx:
        return render(request, COMPOSER_REPLY, {"form": form})
    return render_room(request, room, form)
