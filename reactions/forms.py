from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from reactions.emojis import as_emoji

# Room for the longest :shortcode: (78 characters), not for essays.
INPUT_MAX_LENGTH = 100
SHORTCODE = re.compile(r":[^:\s]+:")


class ReactionForm(forms.Form):
    """One emoji: picked from the palette, typed or pasted, or named as a :shortcode:."""

    emoji = forms.CharField(
        label=_("Any emoji, or its :shortcode:"),
        max_length=INPUT_MAX_LENGTH,
        error_messages={
            "required": _("Choose an emoji first."),
            "max_length": _(
                "That is too long for one emoji: at most %(limit_value)d characters "
                "(this has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": ":thumbsup:"}
        ),
    )

    def clean_emoji(self) -> str:
        text = self.cleaned_data["emoji"]
        emoji = as_emoji(text)
        if emoji is not None:
            return emoji
        if SHORTCODE.fullmatch(text):
            raise forms.ValidationError(
                _("No emoji is called %(text)s."), code="unknown_shortcode", params={"text": text}
            )
        raise forms.ValidationError(
            _("“%(text)s” is not one emoji. Pick one above, paste one, or type a :shortcode:."),
            code="not_an_emoji",
            params={"text": text},
        )
