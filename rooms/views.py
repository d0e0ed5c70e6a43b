from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from rooms.forms import MessageForm, RoomForm
from rooms.models import Room

ROOM_TEMPLATE = "rooms/room.html"


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


@login_required
@require_http_methods(["GET"])
def room(request: HttpRequest, name: str) -> HttpResponse:
    room = get_object_or_404(Room, name__iexact=name)
    if name != room.name:
        return redirect(room, permanent=True)
    return render_room(request, room, MessageForm())


def render_room(request: HttpRequest, room: Room, form: MessageForm) -> HttpResponse:
    context = {"room": room, "messages": room.latest_messages(), "form": form}
    return render(request, ROOM_TEMPLATE, context)


@login_required
@require_http_methods(["GET", "POST"])
def messages(request: HttpRequest, name: str) -> HttpResponse:
    room = get_object_or_404(Room, name__iexact=name)
    if request.method == "POST":
        return post_message(request, room)
    try:
        after = int(request.GET["after"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest("Give ?after=<message id>.")
    catch_up = room.messages.select_related("author").filter(pk__gt=after).order_by("pk")
    return render(request, f"{ROOM_TEMPLATE}#live_messages", {"messages": catch_up})


def post_message(request: HttpRequest, room: Room) -> HttpResponse:
    form = MessageForm(request.POST)
    if not form.is_valid():
        # Re-rendered forms answer 200, as Django's own form views do: browsers log
        # any 4xx page or fetch as a console error, and the error here is content.
        if request.htmx:
            return render(request, f"{ROOM_TEMPLATE}#composer_fields", {"form": form})
        return render_room(request, room, form)
    message = room.post(request.user, form.cleaned_data["body"])
    if not request.htmx:
        return redirect(room)
    # The sender sees the message at once, even before its socket delivers it; the
    # page keeps one copy whichever arrives first.
    context = {"form": MessageForm(), "message": message}
    return render(request, f"{ROOM_TEMPLATE}#posted", context)
