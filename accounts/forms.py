"""Forms for everything people type or send about accounts, and the directory's query."""

from __future__ import annotations

import string
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import avatars
from accounts.models import BIO_MAX_LENGTH, CODE_LENGTH, DISPLAY_NAME_MAX_LENGTH
from chatsite import ratelimit
from rooms.queries import QueryForm

CODE_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")
TOO_MANY_SIGNUPS = _("Too many tries from your address. Wait a while, then try again.")
THROTTLED = "throttled"


def is_well_formed(code: str) -> bool:
    """Whether `code` could be an invitation code at all (URL-safe base64, the right length)."""
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


# Names that are pages under /people/ (accounts/people_urls.py), so nobody's profile hides
# behind one.
RESERVED_USERNAMES = frozenset({"bots"})


def check_username_is_free(username: str) -> None:
    if username.lower() in RESERVED_USERNAMES:
        raise forms.ValidationError(_("That username is reserved."), code="reserved")


class AccountForm(UserCreationForm):
    """Sign-up and the first run: a username, an email address to reset the password by
    (optional), and the password twice."""

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        fields = ("username", "email")
        help_texts = {"email": _("Optional: where to send a link if you forget your password.")}

    def clean_username(self) -> str:
        username = super().clean_username()
        if username:
            check_username_is_free(username)
        return username


class SingleUseForm(forms.Form):
    EXPIRIES = {"": None, "1": timedelta(days=1), "7": timedelta(days=7), "30": timedelta(days=30)}

    expires_in = forms.ChoiceField(
        label=_("Expires"),
        required=False,
        choices=[
            ("", _("Never")),
            ("1", _("In a day")),
            ("7", _("In a week")),
            ("30", _("In 30 days")),
        ],
    )

    def expires_at(self) -> Any:
        delta = self.EXPIRIES[self.cleaned_data["expires_in"]]
        return timezone.now() + delta if delta else None


class ProfileForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("Optional: where to send a link if you forget your password."),
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        required=False,
        help_text=_("Shown on your messages instead of your username. Mentions still use it."),
        validators=[ProhibitNullCharactersValidator()],
    )
    bio = forms.CharField(
        label=_("About you"),
        max_length=BIO_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[ProhibitNullCharactersValidator()],
    )
    avatar = forms.FileField(
        label=_("Picture"),
        required=False,
        help_text=_("A PNG, JPEG, GIF or WebP image of at most 2 MiB, shown as a square."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my picture"), required=False)

    def clean_avatar(self) -> ContentFile | None:
        """The upload, decoded and drawn anew as a PNG (accounts/avatars.py); None if none."""
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return avatars.normalized(upload)


class PeopleQuery(QueryForm):
    """The directory: ?q= part of a name, ?page= a page of the results."""

    q = forms.CharField(
        max_length=100, required=False, validators=[ProhibitNullCharactersValidator()]
    )
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)


class PersonActionForm(forms.Form):
    """What staff may do to someone from their page."""

    action = forms.ChoiceField(
        choices=[
            ("deactivate", "deactivate"),
            ("reactivate", "reactivate"),
            ("grant_staff", "grant_staff"),
            ("remove_staff", "remove_staff"),
        ]
    )


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, refusing more than RATE_LIMITS["password_reset"] per address."""

    def __init__(self, *args: Any, address: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address = address

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors and not ratelimit.allow("password_reset", self.address):
            raise ValidationError(TOO_MANY_SIGNUPS, code=THROTTLED)
        return cleaned
