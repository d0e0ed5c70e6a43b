"""The room header's choice of notification level."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Level


class RoomLevelForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Notify me of"),
        choices=Level.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what to be notified of: everything, mentions only or nothing."),
            "invalid_choice": _(
                "“%(value)s” is no notification level: choose everything, mentions only or nothing."
            ),
        },
    )
