"""What a POST to a room's messages carries, read into the composer's form fields: JSON
(`{"body": "..."}`), plain text (the whole body is the message: `curl -d 'Build 42 passed'`),
or a form (multipart with files under "attachments", as the composer sends them).

Whatever the shape, the message is then checked by the composer's own form (rooms/forms.py),
so the API refuses exactly what the composer refuses, with the same words.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticError

from api.problems import Problem
from api.schemas import MessageIn

JSON, TEXT = "application/json", "text/plain"
MULTIPART, URLENCODED = "multipart/form-data", "application/x-www-form-urlencoded"
# A retry carrying the same key (a UUID) stores nothing new, whatever the shape of the body.
IDEMPOTENCY_HEADER = "Idempotency-Key"


def read_message(request: HttpRequest) -> tuple[QueryDict, MultiValueDict]:
    """The form data and files of the message posted; Problem (400, 415) if unreadable."""
    content_type = request.content_type or ""
    files: MultiValueDict = MultiValueDict()
    if _is_empty(request):
        fields: dict[str, Any] = {"body": ""}  # refused below, as the composer refuses it
    elif content_type == JSON:
        fields = _json_fields(request.body)
    elif content_type == MULTIPART or (content_type == URLENCODED and "body" in request.POST):
        fields = {name: request.POST.get(name, "") for name in ("body", "client_key", "reply_to")}
        files = request.FILES
    elif content_type in (TEXT, URLENCODED):
        # `curl -d 'text'` sends text as a form without naming a field: it is the message.
        fields = {"body": _text(request.body, request.encoding or "utf-8")}
    else:
        detail = _("Send the message as JSON, plain text or a form (multipart for files).")
        raise Problem(415, detail)
    if IDEMPOTENCY_HEADER in request.headers and not fields.get("client_key"):
        fields["client_key"] = request.headers[IDEMPOTENCY_HEADER]
    data = QueryDict(mutable=True)
    data.update({name: str(value) for name, value in fields.items() if value is not None})
    return data, files


def _is_empty(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) <= 0
    except ValueError:
        return False


def _json_fields(raw: bytes) -> dict[str, Any]:
    try:
        message = MessageIn.model_validate_json(raw)
    except PydanticError as error:
        if any(problem["type"] == "json_invalid" for problem in error.errors()):
            raise Problem(400, _("The body is not valid JSON.")) from None
        errors = [
            {"field": ".".join(map(str, problem["loc"])) or "body", "message": problem["msg"]}
            for problem in error.errors()
        ]
        raise Problem(422, _("The message was not posted."), errors) from None
    return message.model_dump()


def _text(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise Problem(400, _("The body is not valid UTF-8 text.")) from None
