from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from attachments.forms import OVER_LIMIT, AttachmentsField, refusals
from attachments.uploads import UploadLimits
from rooms.fields import OneLineField, ReplyToField, answered_message
from rooms.models import Message, Room

room_name_validator = RegexValidator(
    r"\A[A-Za-z0-9_-]{1,50}\Z",
    _("Use 1-50 letters, digits, hyphens or underscores."),
)


class RoomForm(forms.Form):
    name = forms.CharField(
        label=_("Room name"),
        max_length=50,
        validators=[room_name_validator],
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "general", "spellcheck": "false"}
        ),
    )
    private = forms.BooleanField(label=_("Private: only people I add can see it"), required=False)


class MemberForm(forms.Form):
    username = forms.CharField(
        label=_("Add someone by username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_username(self) -> models.Model:
        username = self.cleaned_data["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(
                _("No one is called %(username)s."), params={"username": username}
            )
        return user


class MessageBodyForm(forms.Form):
    # CharField strips surrounding whitespace before the length checks, so "   " is empty.
    body = forms.CharField(
        label=_("Message"),
        max_length=settings.MESSAGE_MAX_LENGTH,
        error_messages={
            "required": _("Type a message first."),
            "max_length": (
                _("Messages are at most %(limit_value)d characters (this one has %(show_value)d).")
            ),
        },
        widget=forms.Textarea(attrs={"rows": 1, "autocomplete": "off", "enterkeyhint": "send"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No maxlength attribute: browsers cut pasted text at it without a word. The limit
        # is checked here and shown by the page's counter (htmx/chat/counter.js) instead.
        attrs = self.fields["body"].widget.attrs
        attrs["data-max-length"] = attrs.pop("maxlength", settings.MESSAGE_MAX_LENGTH)


class MessageForm(MessageBodyForm):
    """The composer. Its client key makes a retried post store nothing new. A message is
    text, files (attachments/), or both."""

    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    attachments = AttachmentsField(label=_("Attach files"))
    # The message this one answers: one of the room's, standing (rooms/fields.py).
    reply_to = ReplyToField()

    @classmethod
    def blank(cls, reply_to: Message | None = None) -> MessageForm:
        return cls(initial={"client_key": uuid.uuid4(), "reply_to": reply_to})

    def __init__(
        self,
        *args,
        upload_limits: UploadLimits | None = None,
        room: Room | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.upload_limits = upload_limits
        self.room = room
        self.fields["body"].required = False  # files alone make a message too
        self.fields["body"].widget.attrs["placeholder"] = _("Message")

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        # What the upload limits dropped as it arrived refuses the whole message.
        for refusal in refusals(self.upload_limits):
            self.add_error("attachments", refusal)
        empty = not cleaned.get("body") and not cleaned.get("attachments")
        if empty and not self.has_error("attachments") and not self.has_error("body"):
            self.add_error("body", self.fields["body"].error_messages["required"])
        return cleaned

    def clean_reply_to(self) -> Message | None:
        return answered_message(self.room, self.cleaned_data.get("reply_to"))

    @property
    def replying_to(self) -> Message | None:
        """The message the composer answers, to quote above the text."""
        if self.is_bound:
            return self.cleaned_data.get("reply_to") if hasattr(self, "cleaned_data") else None
        return self.initial.get("reply_to")

    @property
    def over_limit(self) -> bool:
        """Refused for the size or number of its files (413), not for what is in them."""
        return any(self.has_error("attachments", code) for code in OVER_LIMIT)


class TopicForm(forms.Form):
    # One line: newlines are folded into spaces before the length check (rooms/fields.py).
    topic = OneLineField(
        label=_("Topic"),
        max_length=250,
        required=False,
        error_messages={
            "max_length": _(
                "A topic is at most %(limit_value)d characters (this one has %(show_value)d)."
            )
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
