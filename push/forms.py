"""What a device sends to subscribe: the JSON of its PushSubscription.toJSON(), checked
whole before anything is stored: an https endpoint (push/endpoints.py), a P-256 public key
and a 16-byte auth secret, each base64url."""

from __future__ import annotations

import json
import re
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from push.endpoints import endpoint_problem
from push.keys import b64url_decode
from push.models import ENDPOINT_MAX_LENGTH

# The largest subscription JSON read: an endpoint of 1000 characters and two keys fit many
# times over.
MAX_BODY_BYTES = 4096
USER_AGENT_MAX_LENGTH = 200
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class SubscriptionForm(forms.Form):
    endpoint = forms.CharField(max_length=ENDPOINT_MAX_LENGTH, strip=False)
    p256dh = forms.CharField(max_length=100, strip=False)
    auth = forms.CharField(max_length=40, strip=False)

    @classmethod
    def from_json(cls, body: bytes) -> SubscriptionForm:
        """The form for a request body; a body that is not a subscription's JSON makes an
        invalid form saying so."""
        try:
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            data = None
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, dict):
            form = cls(data={})
            form.add_error(None, _("Send the JSON of the browser's push subscription."))
            return form
        fields = {"endpoint": data.get("endpoint"), **keys}
        return cls(data={name: fields.get(name) for name in ("endpoint", "p256dh", "auth")})

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data["endpoint"]
        problem = endpoint_problem(endpoint)
        if problem is not None:
            raise forms.ValidationError(
                _("This push endpoint cannot be used: %(problem)s."), params={"problem": problem}
            )
        return endpoint

    def clean_p256dh(self) -> str:
        text = self.cleaned_data["p256dh"]
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(text))
        except ValueError:
            raise forms.ValidationError(
                _("The device's public key (p256dh) is not a P-256 key in base64url.")
            ) from None
        return text.rstrip("=")

    def clean_auth(self) -> str:
        text = self.cleaned_data["auth"]
        try:
            secret = b64url_decode(text)
        except ValueError:
            secret = b""
        if len(secret) != 16:
            raise forms.ValidationError(_("The device's auth secret is not 16 bytes in base64url."))
        return text.rstrip("=")

    def problem(self) -> str:
        """The first thing wrong, in a sentence."""
        if NON_FIELD_ERRORS in self.errors:  # not a subscription at all: nothing else matters
            return str(self.errors[NON_FIELD_ERRORS][0])
        for name, errors in self.errors.items():
            return f"{name}: {errors[0]}"
        return ""


def device_name(user_agent: str) -> str:
    """What a device is called in its owner's list: its User-Agent, printable, shortened."""
    return UNPRINTABLE.sub("", user_agent).strip()[:USER_AGENT_MAX_LENGTH]
