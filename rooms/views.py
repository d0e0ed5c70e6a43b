from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from rooms import ratelimit
from rooms.forms import MessageBodyForm, MessageForm, RoomForm
from rooms.models import Message, Room

ROOM_TEMPLATE = "rooms/room.html"
# Cursor ids are database ids: positive 63-bit integers.
MAX_CURSOR = 2**63 - 1


def signup(request: HttpRequest) -> HttpResponse:
    form = UserCreationForm(request.POST or None)
    if form.is_valid():
        login(request, form.save(), backend="django.contrib.auth.backends.ModelBackend")
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = "rooms:lobby"
        return redirect(next_url)
    return render(
        request, "registration/signup.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def lobby(request: HttpRequest) -> HttpResponse:
    form = RoomForm(request.POST or None)
    if form.is_valid():
        return redirect(Room.open(form.cleaned_data["name"], by=request.user))
    rooms = Room.objects.by_activity()
    return render(request, "rooms/lobby.html", {"form": form, "rooms": rooms})


def cursor(request: HttpRequest, name: str) -> int | None:
    """The integer query parameter `name`, None when absent; 400 when malformed."""
    value = request.GET.get(name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_CURSOR:
        raise BadRequest(f"?{name}= takes a message id.")
    return int(value)


@login_required
@require_http_methods(["GET"])
def room(request: HttpRequest, name: str) -> HttpResponse:
    room = visible_room(request, name)
    if name != room.name:
        return redirect(room, permanent=True)
    before, around = cursor(request, "before"), cursor(request, "around")
    return render_room(request, room, MessageForm.blank(), before=before, around=around)


def render_room(
    request: HttpRequest,
    room: Room,
    form: MessageForm,
    before: int | None = None,
    around: int | None = None,
) -> HttpResponse:
    # The revision is read before the messages, so the page holds at least every change
    # up to it: the page's catch-up asks only for what came after.
    revision = room.revision
    page = room.around(around) if around is not None else room.history(before)
    context = {
        "room": room,
        "page": page,
        "form": form,
        "revision": revision,
        "reading_history": before is not None or around is not None,
        "highlighted": around,
    }
    return render(request, ROOM_TEMPLATE, context)


@login_required
@require_http_methods(["GET", "POST"])
def messages(request: HttpRequest, name: str) -> HttpResponse:
    room = visible_room(request, name)
    if request.method == "POST":
        return post_message(request, room)
    before, after = cursor(request, "before"), cursor(request, "after")
    if (before is None) == (after is None):
        raise BadRequest("Give one of ?before=<message id> or ?after=<message id>.")
    if before is not None:
        page = room.history(before)
        return render(request, f"{ROOM_TEMPLATE}#older_page", {"room": room, "page": page})
    return catch_up(request, room, after, since=cursor(request, "since"))


def catch_up(request: HttpRequest, room: Room, after: int, since: int | None) -> HttpResponse:
    revision = Room.objects.values_list("revision", flat=True).get(pk=room.pk)
    limit = settings.CATCH_UP_LIMIT
    changes = list(room.changes(after=after, since=since)[: limit + 1])
    more = len(changes) > limit
    response = render(request, f"{ROOM_TEMPLATE}#live_messages", {"messages": changes[:limit]})
    # The page asks again while there is more; once complete, it has every change
    # up to `revision` and its next catch-up starts from there.
    response["HX-Trigger-After-Swap"] = json.dumps(
        {"chat:caught-up": {"revision": revision, "more": more}}
    )
    return response


def post_message(request: HttpRequest, room: Room) -> HttpResponse:
    form = MessageForm(request.POST)
    # Over the rate limit a message is refused like an invalid one, but with 429.
    too_fast = form.is_valid() and not ratelimit.allow("post", request.user.pk)
    if too_fast:
        form.add_error("body", ratelimit.TOO_MANY_MESSAGES)
    if not form.is_valid():
        # Re-rendered forms answer 200, as Django's own form views do: browsers log
        # any 4xx page or fetch as a console error, and the error here is content.
        if request.htmx:
            response = render(request, f"{ROOM_TEMPLATE}#composer_fields", {"form": form})
        else:
            response = render_room(request, room, form)
        response.status_code = 429 if too_fast else 200
        return response
    data = form.cleaned_data
    message = room.post(request.user, data["body"], client_key=data["client_key"])
    if not request.htmx:
        return redirect(room)
    # The sender sees the message at once, even before its socket delivers it; the
    # page keeps one copy whichever arrives first.
    context = {"form": MessageForm.blank(), "message": message}
    return render(request, f"{ROOM_TEMPLATE}#posted", context)


def visible_room(request: HttpRequest, name: str) -> Room:
    """The room called `name`; 404 when there is none or the user may not see it."""
    return get_object_or_404(Room.objects.visible_to(request.user), name__iexact=name)


def find_message(request: HttpRequest, name: str, pk: int) -> Message:
    return get_object_or_404(
        Message.objects.select_related("room", "author"),
        pk=pk,
        room=visible_room(request, name),
    )


@login_required
@require_http_methods(["GET"])
def message(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    """One message as it stands (what "Cancel" on an edit puts back)."""
    return render(request, f"{ROOM_TEMPLATE}#message", {"message": find_message(request, name, pk)})


@login_required
@require_http_methods(["GET", "POST"])
def edit_message(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    message = find_message(request, name, pk)
    if not message.is_editable_by(request.user):
        raise PermissionDenied("Only the author can edit a message.")
    form = MessageBodyForm(request.POST or None, initial={"body": message.body})
    if form.is_valid():
        message.edit(form.cleaned_data["body"])
        if request.htmx:
            return render(request, f"{ROOM_TEMPLATE}#message", {"message": message})
        return redirect(message.room)
    template = f"{ROOM_TEMPLATE}#edit_form" if request.htmx else "rooms/edit_message.html"
    return render(request, template, {"message": message, "room": message.room, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_message(request: HttpRequest, name: str, pk: int) -> HttpResponse:
    message = find_message(request, name, pk)
    if not message.is_deletable_by(request.user):
        raise PermissionDenied("Only the author or staff can delete a message.")
    if request.method == "GET":
        return render(request, "rooms/delete_message.html", {"message": message})
    message.delete_for_everyone()
    if request.htmx:
        return render(request, f"{ROOM_TEMPLATE}#message", {"message": message})
    return redirect(message.room)
