"""The API's JSON shapes (pydantic, through django-ninja), and how models become them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Schema

from accounts.people import profile_of
from rooms.models import Message, Room


class FieldError(Schema):
    field: str
    message: str


class ProblemOut(Schema):
    """An error (RFC 9457), sent as application/problem+json."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class MessageIn(Schema):
    """A message to post, as JSON."""

    body: str = ""
    # The same key again (a retry) stores nothing new and answers the first message.
    client_key: uuid.UUID | None = None
    # The id of a message of the same room that this one answers.
    reply_to: int | None = None


class AuthorOut(Schema):
    username: str
    display_name: str
    is_bot: bool


class AttachmentOut(Schema):
    name: str
    url: str
    size: int
    content_type: str


class MessageOut(Schema):
    id: int
    room: str
    # "message", or a one-line event ("topic", "added", ...) whose body is its plain data.
    kind: str
    url: str
    author: AuthorOut
    # As written (Markdown), and as pages show it (HTML); both empty once deleted.
    body: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    reply_to: int | None
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    """Messages oldest first. `has_more`: there are more past this page in the direction
    asked (older for ?before= and the latest, newer for ?after=)."""

    messages: list[MessageOut]
    has_more: bool


class RoomOut(Schema):
    name: str
    # What the caller sees as its name (a direct conversation: the other person).
    label: str
    kind: str
    topic: str
    url: str
    last_message_at: datetime | None
    # People only (None for bots): messages by others since they last read, and mentions.
    unread: int | None
    unread_mentions: int | None


def message_out(request: HttpRequest, message: Message) -> dict[str, Any]:
    """`message` (loaded with Message.objects.for_display()) as MessageOut."""
    profile = profile_of(message.author)
    return {
        "id": message.pk,
        "room": message.room.name,
        "kind": message.kind,
        "url": request.build_absolute_uri(message.get_absolute_url()),
        "author": {
            "username": message.author.get_username(),
            "display_name": profile.name,
            "is_bot": profile.is_bot,
        },
        "body": message.body,
        "html": message.body_html,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted_at": message.deleted_at,
        "reply_to": message.reply_to_id,
        "attachments": [
            {
                "name": attachment.name,
                "url": request.build_absolute_uri(attachment.url_in(message)),
                "size": attachment.size,
                "content_type": attachment.content_type,
            }
            for attachment in message.attachments.all()
        ],
    }


def room_out(request: HttpRequest, room: Room, *, with_unread: bool) -> dict[str, Any]:
    return {
        "name": room.name,
        "label": room.label_for(request.user),
        "kind": room.kind,
        "topic": room.topic,
        "url": request.build_absolute_uri(room.get_absolute_url()),
        "last_message_at": room.last_message_at,
        "unread": (getattr(room, "unread", None) or 0) if with_unread else None,
        "unread_mentions": (getattr(room, "unread_mentions", None) or 0) if with_unread else None,
    }
