"""/api/v1/rooms: the rooms the caller can see, and each room's messages (read and post)."""

from __future__ import annotations

from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.people import profile_of
from api.posting import JSON, MULTIPART, TEXT, read_message
from api.problems import Problem, field_errors
from api.schemas import (
    MessageIn,
    MessageOut,
    MessagePage,
    ProblemOut,
    RoomOut,
    message_out,
    room_out,
)
from attachments.forms import TOO_MANY_THIS_HOUR
from attachments.uploads import UploadLimits
from chatsite import ratelimit
from chatsite.typing import AuthenticatedRequest
from rooms import actions
from rooms.forms import MessageForm
from rooms.models import Message, Room
from rooms.queries import MAX_CURSOR
from rooms.views.access import visible_room

router = Router(tags=["rooms"])

MAX_LIMIT = 200
Cursor = Annotated[int | None, Field(None, ge=0, le=MAX_CURSOR)]
ERRORS = {400: ProblemOut, 401: ProblemOut, 404: ProblemOut, 422: ProblemOut, 429: ProblemOut}


class PageQuery(Schema):
    after: Cursor = None
    before: Cursor = None
    limit: Annotated[int, Field(50, ge=1, le=MAX_LIMIT)] = 50


@router.get("/rooms", response={200: list[RoomOut], **ERRORS})
def rooms(request: AuthenticatedRequest) -> list[dict[str, Any]]:
    """The rooms you can see, most recently active first; for people, with unread counts."""
    user = request.user
    visible = Room.objects.visible_to(user).by_activity().with_direct_members()
    person = not profile_of(user).is_bot
    if person:
        visible = visible.with_unread_for(user)
    return [room_out(request, room, with_unread=person) for room in visible]


@router.get("/rooms/{room:room}/messages", response={200: MessagePage, **ERRORS})
def room_messages(
    request: AuthenticatedRequest, room: str, query: Query[PageQuery]
) -> dict[str, Any]:
    """A page of the room's messages, oldest first: those after id `after`, else the
    `limit` before id `before`, else the latest."""
    found = visible_room(request, room)
    if query.after is not None and query.before is not None:
        raise Problem(400, _("Give ?after= or ?before=, not both."))
    if query.after is not None:
        newer = list(found.changes(after=query.after).select_related("room")[: query.limit + 1])
        messages, has_more = newer[: query.limit], len(newer) > query.limit
    else:
        page = found.history(query.before, count=query.limit)
        messages, has_more = page.messages, page.has_older
    return {"messages": [message_out(request, m) for m in messages], "has_more": has_more}


POST_BODY = {
    "required": True,
    "content": {
        JSON: {"schema": MessageIn.model_json_schema()},
        TEXT: {"schema": {"type": "string", "description": "The message, as Markdown."}},
        MULTIPART: {
            "schema": {
                "type": "object",
                "properties": {
                    "body": {"type": "string"},
                    "client_key": {"type": "string", "format": "uuid"},
                    "reply_to": {"type": "integer"},
                    "attachments": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                    },
                },
            }
        },
    },
}


@router.post(
    "/rooms/{room:room}/messages",
    response={201: MessageOut, 413: ProblemOut, 415: ProblemOut, **ERRORS},
    openapi_extra={"requestBody": POST_BODY},
)
def post_message(request: AuthenticatedRequest, room: str) -> Status:
    """Post a message; it goes live on every open page of the room, as a person's does."""
    found = visible_room(request, room)
    data, files = read_message(request)
    form = MessageForm(data, files, upload_limits=UploadLimits.of(request), room=found)
    if not form.is_valid():
        status = 413 if form.over_limit else 422
        raise Problem(status, _("The message was not posted."), field_errors(form.errors))
    cleaned = form.cleaned_data
    _count(request, "post", ratelimit.TOO_MANY_MESSAGES)
    if cleaned["attachments"]:
        _count(request, "upload", TOO_MANY_THIS_HOUR, cost=len(cleaned["attachments"]))
    message = actions.post_message(
        found,
        request.user,
        cleaned["body"],
        cleaned["client_key"],
        files=cleaned["attachments"],
        reply_to=cleaned["reply_to"],
    )
    shown = Message.objects.for_display().select_related("room").get(pk=message.pk)
    return Status(201, message_out(request, shown))


def _count(request: AuthenticatedRequest, kind: str, refusal: object, cost: int = 1) -> None:
    """The composer's own limits on posts and files hold for the API too."""
    if not ratelimit.allow(kind, request.user.pk, cost=cost):
        seconds = ratelimit.retry_after(kind, request.user.pk)
        raise Problem(429, str(refusal), headers={"Retry-After": str(seconds)})
