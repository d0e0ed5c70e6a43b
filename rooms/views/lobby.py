from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from rooms import actions, fragments
from rooms.forms import RoomForm
from rooms.models import Room


@login_required
@require_http_methods(["GET", "POST"])
def lobby(request: AuthenticatedRequest) -> HttpResponse:
    form = RoomForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        room = actions.open_room(data["name"], by=request.user, private=data["private"])
        if room.is_visible_to(request.user):
            return redirect(room)
        form.add_error("name", _("That room is private: ask one of its members to add you."))
    rooms = (
        Room.objects.visible_to(request.user)
        .by_activity()
        .with_unread_for(request.user)
        .with_direct_members()
    )
    # The live lobby asks for its rows alone when its socket (re)opens.
    whole_page = not (request.htmx and request.method == "GET")
    template = fragments.LOBBY_PAGE if whole_page else fragments.LOBBY_ROWS
    return render(request, template, {"form": form, "rooms": rooms})


@login_required
@require_http_methods(["GET"])
def direct(request: AuthenticatedRequest, username: str) -> HttpResponse:
    """Open (the first time, create) the private conversation with `username`."""
    other = get_object_or_404(get_user_model(), username=username)
    return redirect(actions.open_direct(request.user, other))
