from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, trigger_client_event

from attachments.forms import TOO_MANY_THIS_HOUR
from attachments.uploads import UploadLimits, with_upload_limits
from chatsite import ratelimit
from chatsite.typing import AuthenticatedRequest
from rooms import actions, fragments
from rooms.forms import MessageBodyForm, MessageForm
from rooms.models import Room
from rooms.queries import MessagesQuery
from rooms.views.access import find_message, visible_room
from rooms.views.rooms import render_room


@with_upload_limits  # a post's files are held to the limits as they arrive
@login_required
@require_http_methods(["GET", "POST"])
def messages(request: AuthenticatedRequest, name: str) -> HttpResponse:
    room = visible_room(request, name)
    if request.method == "POST":
        return post_message(request, room)
    query = MessagesQuery.of(request.GET)
    if query["before"] is not None:
        page = room.history(query["before"])
        return render(request, fragments.OLDER_PAGE, {"room": room, "page": page})
    return catch_up(request, room, query["after"], since=query["since"])


def catch_up(
    request: AuthenticatedRequest, room: Room, after: int, since: int | None
) -> HttpResponse:
    revision = room.current_revision()
    limit = settings.CATCH_UP_LIMIT
    changes = list(room.changes(after=after, since=since)[: limit + 1])
    more = len(changes) > limit
    response = render(request, fragments.MESSAGES, {"messages": changes[:limit]})
    # The page asks again while there is more; once complete, it has every change
    # up to `revision` and its next catch-up starts from there.
    params = {"revision": revision, "more": more}
    return trigger_client_event(response, "chat:caught-up", params, after="swap")


def post_message(request: AuthenticatedRequest, room: Room) -> HttpResponse:
    form = MessageForm(
        request.POST, request.FILES, upload_limits=UploadLimits.of(request), room=room
    )
    # Over a rate limit a message is refused like an invalid one, but with 429. Files count
    # one each against the hourly allowance (README, "Files").
    too_fast = form.is_valid() and not ratelimit.allow("post", request.user.pk)
    limited = "post"
    if too_fast:
        form.add_error("body", ratelimit.TOO_MANY_MESSAGES)
    files = form.cleaned_data.get("attachments", []) if form.is_valid() else []
    if files and not ratelimit.allow("upload", request.user.pk, cost=len(files)):
        too_fast, limited = True, "upload"
        form.add_error("attachments", TOO_MANY_THIS_HOUR)
    if not form.is_valid():
        # Re-rendered forms answer 200, as Django's own form views do: browsers log
        # any 4xx page or fetch as a console error, and the error here is content.
        if request.htmx:
            response = render(request, fragments.COMPOSER_FIELDS, {"form": form})
        else:
            response = render_room(request, room, form)
        response.status_code = 429 if too_fast else 413 if form.over_limit else 200
        if too_fast:
            # The page resends by itself once this has passed (htmx/chat/outbox.js).
            retry_after = ratelimit.retry_after(limited, request.user.pk)
            response.headers["Retry-After"] = str(retry_after)
        return response
    data = form.cleaned_data
    message = actions.post_message(
        room,
        request.user,
        data["body"],
        data["client_key"],
        files=data["attachments"],
        reply_to=data["reply_to"],
    )
    if not request.htmx:
        return redirect(room)
    # The sender sees the message at once, even before its socket delivers it (the page
    # keeps one copy whichever arrives first). The composer stays as it is: the page
    # cleared it when the post left, and the next message may be typed already.
    return reswap(HttpResponse(fragments.message(message)), "none")


@login_required
@require_http_methods(["GET"])
def message(request: AuthenticatedRequest, name: str, pk: int) -> HttpResponse:
    """One message as it stands (what "Cancel" on an edit puts back)."""
    return render(request, fragments.MESSAGE, {"message": find_message(request, name, pk)})


@login_required
@require_http_methods(["GET", "POST"])
def edit_message(request: AuthenticatedRequest, name: str, pk: int) -> HttpResponse:
    message = find_message(request, name, pk)
    if not message.is_editable_by(request.user):
        raise PermissionDenied(_("Only the author can edit a message."))
    form = MessageBodyForm(request.POST or None, initial={"body": message.body})
    # A message of files may lose its text, as it could be posted without any.
    form.fields["body"].required = not message.attachments.all()
    if form.is_valid():
        actions.edit_message(message, form.cleaned_data["body"])
        if request.htmx:
            return render(request, fragments.MESSAGE, {"message": message})
        return redirect(message.room)
    template = fragments.EDIT_FORM if request.htmx else "rooms/edit_message.html"
    return render(request, template, {"message": message, "room": message.room, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_message(request: AuthenticatedRequest, name: str, pk: int) -> HttpResponse:
    message = find_message(request, name, pk)
    if not message.is_deletable_by(request.user):
        raise PermissionDenied(_("Only the author or staff can delete a message."))
    if request.method == "GET":
        return render(request, "rooms/delete_message.html", {"message": message})
    actions.delete_message(message)
    if request.htmx:
        return render(request, fragments.MESSAGE, {"message": message})
    return redirect(message.room)
