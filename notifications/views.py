from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from notifications.actions import set_level
from notifications.forms import RoomLevelForm
from notifications.levels import level_for
from notifications.models import Level
from rooms.views.access import visible_room

LEVEL_FORM = "notifications/room_level.html"
LEVEL_PAGE = "notifications/room_level_page.html"


@login_required
@require_http_methods(["POST"])
def room_level(request: AuthenticatedRequest, name: str) -> HttpResponse:
    """Choose how much of the room to hear of (anyone who may see it); back to the room
    without JavaScript, the header's form anew with it."""
    room = visible_room(request, name)
    form = RoomLevelForm(request.POST)
    if not form.is_valid():
        # Only a forged request sends anything but the form's three choices: said plainly,
        # nothing stored.
        level = level_for(request.user, room)
        context = {
            "room": room,
            "form": form,
            "level": level,
            "label": room.label_for(request.user),
        }
        return render(request, LEVEL_PAGE, context, status=400)
    level = Level(form.cleaned_data["level"])
    set_level(request.user, room, level)
    if not request.htmx:
        return redirect(room)
    context = {"room": room, "form": RoomLevelForm(initial={"level": level}), "level": level}
    return render(request, LEVEL_FORM, {**context, "saved": True})
