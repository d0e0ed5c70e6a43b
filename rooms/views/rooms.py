from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from rooms import actions, fragments
from rooms.forms import MemberForm, MessageForm
from rooms.models import Room
from rooms.queries import PageQuery, ReadForm
from rooms.views.access import visible_room


@login_required
@require_http_methods(["GET"])
def room(request: AuthenticatedRequest, name: str) -> HttpResponse:
    room = visible_room(request, name)
    if name != room.name:
        return redirect(room, permanent=True)
    query = PageQuery.of(request.GET)
    before, around = query["before"], query["around"]
    if before is None and around is None:
        actions.mark_read(room, request.user)
    return render_room(request, room, MessageForm.blank(), before=before, around=around)


def render_room(
    request: AuthenticatedRequest,
    room: Room,
    form: MessageForm,
    before: int | None = None,
    around: int | None = None,
    member_form: MemberForm | None = None,
) -> HttpResponse:
    # The revision is read before the messages, so the page holds at least every change
    # up to it: the page's catch-up asks only for what came after.
    revision = room.revision
    page = room.around(around) if around is not None else room.history(before)
    context = {
        "room": room,
        "label": room.label_for(request.user),
        "member_form": member_form or MemberForm(),
        "members": room.members.order_by("username") if not room.is_public else (),
        "page": page,
        "form": form,
        "revision": revision,
        "reading_history": before is not None or around is not None,
        "highlighted": around,
    }
    return render(request, fragments.ROOM_PAGE, context)


@login_required
@require_http_methods(["POST"])
def mark_read(request: AuthenticatedRequest, name: str) -> HttpResponse:
    """The page has shown messages up to id ?up_to= (it posts this as they arrive)."""
    room = visible_room(request, name)
    actions.mark_read(room, request.user, ReadForm.of(request.POST)["up_to"])
    return HttpResponse(status=204)
