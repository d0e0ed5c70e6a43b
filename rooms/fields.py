"""Form fields for replies and topics (rooms/forms.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rooms.models import Message, Room

# Message ids are positive 63-bit database ids.
MAX_MESSAGE_ID = 2**63 - 1
GONE = _("The message you are replying to is not in this room any more.")


class ReplyToField(forms.IntegerField):
    """A hidden message id: absent or empty is no reply."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"invalid": GONE, "max_value": GONE, "min_value": GONE})
        super().__init__(min_value=1, max_value=MAX_MESSAGE_ID, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        # The form's initial value is the message itself.
        return value.pk if isinstance(value, Message) else value


def answered_message(room: Room | None, message_id: int | None) -> Message | None:
    """The message of `room` that `message_id` names, if a reply may quote it (one that
    still stands, and is not a system line); ValidationError otherwise."""
    if message_id is None:
        return None
    original = None
    if room is not None:
        original = (
            room.messages.filter(pk=message_id, deleted_at__isnull=True, kind=Message.Kind.MESSAGE)
            .select_related("author__profile", "room")
            .first()
        )
    if original is None:
        raise forms.ValidationError(GONE, code="gone")
    return original


class OneLineField(forms.CharField):
    """Text on one line: any line breaks become single spaces, then it is trimmed."""

    def to_python(self, value: Any) -> str:
        return " ".join((super().to_python(value) or "").split())
