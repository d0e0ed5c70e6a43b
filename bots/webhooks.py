"""Outgoing webhooks: which bots hear of a message, what they are sent, and what their
receivers' answers say. The sending itself is background work (bots/tasks.py)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q

import outbound
from accounts.people import display_name
from bots.models import Bot
from rooms.forms import MessageBodyForm
from rooms.models import Message

logger = logging.getLogger(__name__)

# Marks a message posted as a webhook's answer (bots/tasks.py): a reply calls no webhook
# itself, so two bots that answer each other's mentions never talk for ever.
REPLY_MARK = "is_webhook_reply"


class UnusableAnswer(Exception):
    """A receiver's 2xx answer that cannot be posted; str() says why, for the log."""


def bots_to_notify(message: Message) -> list[Bot]:
    """Bots with a webhook that `message` concerns: mentioned in it, or the other person of
    its direct conversation; never its author, and none for a webhook's own reply."""
    if getattr(message, REPLY_MARK, False) or message.is_event or message.is_deleted:
        return []
    names = message.mention_names.split()
    if not names and not message.room.is_direct:
        return []  # most messages: no query at all
    concerned = Q(user__username__lower__in=names)
    if message.room.is_direct:
        concerned |= Q(user__memberships__room=message.room)
    bots = Bot.objects.filter(concerned, user__is_active=True).exclude(webhook_url="")
    return list(bots.exclude(user_id=message.author_id).select_related("user").distinct())


def absolute(path: str) -> str:
    """`path` on this site, as others reach it (SITE_URL)."""
    return settings.SITE_URL + path


def payload(message: Message, bot: Bot) -> dict[str, Any]:
    """What a bot's receiver gets: the message, its room, its author, and where to reply."""
    room = message.room
    return {
        "message": {
            "id": message.pk,
            "body": message.body,  # the Markdown as written
            "html": message.body_html,
            "url": absolute(message.get_absolute_url()),
            "created_at": message.created_at.isoformat(),
        },
        "room": {"name": room.name, "kind": room.kind, "url": absolute(room.get_absolute_url())},
        "author": {
            "username": message.author.get_username(),
            "display_name": display_name(message.author),
        },
        "bot": {"username": bot.user.get_username()},
        # The HTTP API's endpoint (api/), authenticated by the bot's key.
        "reply_url": absolute(f"/api/v1/rooms/{quote(room.name, safe='')}/messages"),
    }


def reply_text(response: outbound.Response) -> str:
    """The reply a 2xx answer asks to post ("" for none): its text/plain body, or the "body"
    of its JSON object; checked as the composer checks what people type, never cut.
    Raises UnusableAnswer for anything else."""
    if not response.body.strip():
        return ""
    if response.content_type == "application/json":
        text = _json_body(response.body)
    elif response.content_type == "text/plain":
        text = _decoded(response.body, response.charset or "utf-8")
    else:
        raise UnusableAnswer(f"an answer of type {response.content_type[:100]}")
    if not text.strip():
        return ""
    form = MessageBodyForm(data={"body": text})
    if not form.is_valid():
        reasons = "; ".join(str(error) for error in form.errors["body"])
        raise UnusableAnswer(f"a reply this site refuses: {reasons}")
    return form.cleaned_data["body"]


def _json_body(body: bytes) -> str:
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UnusableAnswer(f"malformed JSON: {str(error)[:200]}") from None
    if not isinstance(answer, dict):
        raise UnusableAnswer("JSON that is not an object")
    text = answer.get("body", "")
    if not isinstance(text, str):
        raise UnusableAnswer('JSON whose "body" is not a string')
    return text


def _decoded(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset)
    except (UnicodeDecodeError, LookupError) as error:
        raise UnusableAnswer(f"text that is not {charset[:50]}: {str(error)[:200]}") from None
