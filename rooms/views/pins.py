from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from rooms.actions import pins
from rooms.models import Message
from rooms.views.access import find_message

CONFIRM_PAGE = "rooms/pin_message.html"


@login_required
@require_http_methods(["GET", "POST"])
def pin(request: AuthenticatedRequest, name: str, pk: int) -> HttpResponse:
    """Pin a message: anyone who may see the room. GET asks first (without JavaScript)."""
    message = pinnable(request, name, pk)
    if request.method == "POST":
        pins.pin(message, by=request.user)
    return answer(request, message)


@login_required
@require_http_methods(["GET", "POST"])
def unpin(request: AuthenticatedRequest, name: str, pk: int) -> HttpResponse:
    message = pinnable(request, name, pk)
    if request.method == "POST":
        pins.unpin(message)
    return answer(request, message)


def pinnable(request: AuthenticatedRequest, name: str, pk: int) -> Message:
    """The message, if the reader may see it and it may be pinned (404 otherwise)."""
    message = find_message(request, name, pk)
    if message.is_deleted or message.is_event:
        raise Http404
    return message


def answer(request: AuthenticatedRequest, message: Message) -> HttpResponse:
    if request.method == "GET":
        return render(request, CONFIRM_PAGE, {"message": message})
    if request.htmx:
        # The message's new revision and the panel reach every page by its socket, this one's
        # too. (An answer could not be swapped reliably: the broadcast may have replaced the
        # message, and the link that asked, before the answer arrives.)
        return HttpResponse(status=204)
    return redirect(message.get_absolute_url())
