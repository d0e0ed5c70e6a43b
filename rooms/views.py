from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from rooms import ratelimit
from rooms.forms import MemberForm, MessageBodyForm, MessageForm, RoomForm
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
        data = form.cleaned_data
        room = Room.open(data["name"], by=request.user, private=data["private"])
        if room.is_visible_to(request.user):
            return redirect(room)
        form.add_error("name", "That room is private: ask one of its members to add you.")
    rooms = (
        Room.objects.visible_to(request.user)
        .by_activity()
        .with_unread_for(request.user)
        .with_direct_members()
    )
    # The live lobby asks for its rows alone when its socket (re)opens.
    template = (
        "rooms/lobby.html#rows" if request.htmx and request.method == "GET" else "rooms/lobby.html"
    )
    return render(request, template, {"form": form, "rooms": rooms})


@login_required
@require_http_methods(["GET"])
def direct(request: HttpRequest, username: str) -> HttpResponse:
    """Open (the first time, create) the private conversation with `username`."""
    other = get_object_or_404(get_user_model(), username=username)
    return redirect(Room.direct(request.user, other))


def message_id(value: str | None, name: str) -> int | None:
    """`value` as a message id, None when absent; 400 when malformed."""
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_CURSOR:
        raise BadRequest(f"{name} takes a message id.")
    return int(value)


def cursor(request: HttpRequest, name: str) -> int | None:
    """The query parameter `name` as a message id."""
    return message_id(request.GET.get(name), f"?{name}=")


@login_required
@require_http_methods(["GET"])
def room(request: HttpRequest, name: str) -> HttpResponse:
    room = visible_room(request, name)
    if name != room.name:
        return redirect(room, permanent=True)
    before, around = cursor(request, "before"), cursor(request, "around")
    if before is None and around is None:
        room.mark_read(request.user)
    return render_room(request, room, MessageForm.blank(), before=before, around=around)


def render_room(
    request: HttpRequest,
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
    # The sender sees the message at once, even before its socket delivers it (the page
    # keeps one copy whichever arrives first). The composer stays as it is: the page
    # cleared it when the post left, and the next message may be typed already.
    response = HttpResponse(message.live_html)
    response["HX-Reswap"] = "none"
    return response


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


@login_required
@require_http_methods(["POST"])
def mark_read(request: HttpRequest, name: str) -> HttpResponse:
    """The page has shown messages up to id ?up_to= (it posts this as they arrive)."""
    room = visible_room(request, name)
    up_to = message_id(request.POST.get("up_to", ""), "up_to")
    room.mark_read(request.user, up_to)
    return HttpResponse(status=204)


@login_required
@require_http_methods(["POST"])
def add_member(request: HttpRequest, name: str) -> HttpResponse:
    room = visible_room(request, name)
    if not room.can_manage_members(request.user):
        raise PermissionDenied("Only a private room has members to add.")
    form = MemberForm(request.POST)
    if form.is_valid():
        room.add_member(form.cleaned_data["username"])
        return redirect(room)
    return render_room(request, room, MessageForm.blank(), member_form=form)


@login_required
@require_http_methods(["POST"])
def remove_member(request: HttpRequest, name: str, user_id: int) -> HttpResponse:
    """Leave a private room, or (its creator, staff) take someone else out of it."""
    room = visible_room(request, name)
    member = get_object_or_404(room.members, pk=user_id)
    leaving = member.pk == request.user.pk
    allowed = leaving or request.user.pk == room.created_by_id or request.user.is_staff
    if room.kind != Room.Kind.PRIVATE or not allowed:
        raise PermissionDenied("Only the room's creator or staff can take someone out.")
    room.remove_member(member)
    return redirect("rooms:lobby" if leaving else room)


@login_required
@require_http_methods(["GET"])
def search(request: HttpRequest) -> HttpResponse:
    """?q=<words>[&room=<name>][&scope=room|all][&order=newest|relevance]: messages the
    user may see; 400 for malformed parameters, 404 for a room they may not see."""
    from rooms import search as message_search

    query = request.GET.get("q", "")
    room_name = request.GET.get("room", "")
    scope = request.GET.get("scope", "room" if room_name else "all")
    order = request.GET.get("order", "newest")
    if len(query) > settings.MESSAGE_MAX_LENGTH:
        raise BadRequest(f"?q= takes at most {settings.MESSAGE_MAX_LENGTH} characters.")
    if room_name and not message_search.ROOM_NAME.match(room_name):
        raise BadRequest("?room= takes a room name.")
    if scope not in ("room", "all") or (scope == "room" and not room_name):
        raise BadRequest("?scope= is room (with ?room=) or all.")
    if order not in message_search.ORDERS:
        raise BadRequest(f"?order= is one of {', '.join(message_search.ORDERS)}.")
    room = visible_room(request, room_name) if room_name else None
    limit = message_search.PAGE_SIZE
    hits = []
    if query.strip():
        found = message_search.search(
            request.user, query, room if scope == "room" else None, limit=limit, order=order
        )
        hits = message_search.hits(found, query, request.user)
    context = {
        "query": query,
        "room": room,
        "room_label": room.label_for(request.user) if room else "",
        "scope": scope,
        "order": order,
        "hits": hits,
        "more": len(hits) >= limit,
    }
    return render(request, "rooms/search.html", context)
