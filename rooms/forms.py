from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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


class MessageForm(MessageBodyForm):
    """The composer. Its client key makes a retried post store nothing new."""

    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    @classmethod
    def blank(cls) -> MessageForm:
        return cls(initial={"client_key": uuid.uuid4()})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["placeholder"] = _("Message")
