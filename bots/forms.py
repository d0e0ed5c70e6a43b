"""Forms of the bots pages: a new bot (staff), a new personal API token (anyone)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import ProhibitNullCharactersValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from accounts.forms import ProfileForm, check_username_is_free
from accounts.models import DISPLAY_NAME_MAX_LENGTH
from bots.models import NAME_MAX_LENGTH

USERNAME_MAX_LENGTH = 150


class BotForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=USERNAME_MAX_LENGTH,
        help_text=_("How the bot is mentioned: letters, digits and @/./+/-/_ only."),
        validators=[UnicodeUsernameValidator()],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        required=False,
        help_text=_("Shown on its messages instead of its username."),
        validators=[ProhibitNullCharactersValidator()],
    )
    avatar = ProfileForm.base_fields["avatar"]
    webhook_url = forms.URLField(
        label=_("Webhook URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Optional: where to send the messages that mention the bot."),
        validators=[URLValidator(schemes=["http", "https"])],
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        check_username_is_free(username)
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken."), code="taken")
        return username

    clean_avatar = ProfileForm.clean_avatar


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("What it is for, so you can tell your tokens apart (“CI”, “laptop”)."),
        validators=[ProhibitNullCharactersValidator()],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
