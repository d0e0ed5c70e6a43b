from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypedDict, Unpack

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from rooms import actions, fragments
from rooms.forms import MemberForm, MessageForm, RoomForm, TopicForm
from rooms.models import Room
from rooms.queries import PageQuery, ReadForm
from rooms.views.access import visible_room
from rooms.views.arrival import Opening, first_unread, opening

MISSING_ROOM_PAGE = "rooms/missing_room.html"


@login_required
@require_http_methods(["GET"])
def room(request: AuthenticatedRequest, name: str) -> HttpResponse:
    room = Room.named(name)
    if room is None or not room.is_visible_to(request.user):
        return missing_room(request, name)
    if name != room.name:
        return redirect(room, permanent=True)
    query = PageQuery.of(request.GET)
    context = room_context(
        request, room, MessageForm.blank(), before=query["before"], around=query["around"]
    )
    if not context["reading_history"]:
        # Opening the room reads what its first page shows: all of it, or, on a page that
        # starts at the "New" divider, up to its end (the page reads on as it fetches more).
        shown = context["page"].messages
        actions.mark_read(room, request.user, shown[-1].pk if shown else 0)
    return render(request, fragments.ROOM_PAGE, context)


def missing_room(request: AuthenticatedRequest, name: str) -> HttpResponse:
    """No room the reader may see is called `name`: a page (404) that offers to create it,
    through the lobby's form, so only a POST ever creates. A private room of that name
    gets the very same page; creating it then fails as the lobby's form does."""
    if not RoomForm({"name": name}).is_valid():
        raise Http404
    return render(request, MISSING_ROOM_PAGE, {"name": name, "form": RoomForm()}, status=404)


class PageOptions(TypedDict, total=False):
    """Which page of the room, and the member form to show (with its error)."""

    before: int | None
    around: int | None
    member_form: MemberForm | None


def render_room(
    request: AuthenticatedRequest, room: Room, form: MessageForm, **options: Unpack[PageOptions]
) -> HttpResponse:
    return render(request, fragments.ROOM_PAGE, room_context(request, room, form, **options))


def room_context(
    request: AuthenticatedRequest, room: Room, form: MessageForm, **options: Unpack[PageOptions]
) -> dict[str, Any]:
    before, around = options.get("before"), options.get("around")
    member_form = options.get("member_form")
    # The revision is read before the messages, so the page holds at least every change
    # up to it: the page's catch-up asks only for what came after.
    revision = room.revision
    reading_history = before is not None or around is not None
    if reading_history:
        page = room.around(around) if around is not None else room.history(before)
        start = Opening(page, first_unread(room, request.user))
    else:
        start = opening(room, request.user)
    # Without JavaScript the page labels its days in UTC, as it shows its times; the page's
    # script relabels them in the reader's own time zone.
    today = timezone.localdate()
    return {
        "room": room,
        "label": room.label_for(request.user),
        "member_form": member_form or MemberForm(),
        "topic_form": TopicForm(initial={"topic": room.topic}),
        "members": room.members.order_by("username") if not room.is_public else (),
        "page": start.page,
        "first_unread": start.first_unread,
        "more_below": start.more_below,
        "today": day_key(today),
        "yesterday": day_key(today - timedelta(days=1)),
        "form": form,
        "revision": revision,
        "reading_history": reading_history,
        "highlighted": around,
    }


def day_key(day: date) -> str:
    """A day as the page's script names it (static/htmx/chat/dividers.js): "2026-12-1"."""
    return f"{day.year}-{day.month}-{day.day}"


@login_required
@require_http_methods(["POST"])
def mark_read(request: AuthenticatedRequest, name: str) -> HttpResponse:
    """The page has shown messages up to id ?up_to= (it posts this as they arrive)."""
    room = visible_room(request, name)
    actions.mark_read(room, request.user, ReadForm.of(request.POST)["up_to"])
    return HttpResponse(status=204)
