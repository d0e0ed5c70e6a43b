"""Forms for query parameters: a malformed one is a 400, never a 500 or a silent default."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.validators import ProhibitNullCharactersValidator
from django.http import QueryDict

from rooms.search import ORDERS, ROOM_NAME

# Cursor ids are database ids: positive 63-bit integers.
MAX_CURSOR = 2**63 - 1


class MessageIdField(forms.Field):
    """A message id, as ASCII digits (int() would also take "+1", " 1" or other scripts'
    digits). Absent is None; present but empty is an error."""

    def to_python(self, value: Any) -> int | None:
        if value is None:
            return None
        text = str(value)
        if not text.isascii() or not text.isdigit() or int(text) > MAX_CURSOR:
            raise forms.ValidationError("takes a message id.")
        return int(text)


class QueryForm(forms.Form):
    def parse(self) -> dict[str, Any]:
        """The cleaned parameters; BadRequest (400) naming what is wrong."""
        if not self.is_valid():
            problems = "; ".join(
                f"?{name}= {' '.join(map(str, errors))}" for name, errors in self.errors.items()
            )
            raise BadRequest(problems)
        return self.cleaned_data

    @classmethod
    def of(cls, data: QueryDict) -> dict[str, Any]:
        return cls(data).parse()


class PageQuery(QueryForm):
    """The room page: the latest messages, or history ?before= or ?around= an id."""

    before = MessageIdField(required=False)
    around = MessageIdField(required=False)


class MessagesQuery(QueryForm):
    """Older history (?before=) or a catch-up (?after=, with ?since=<revision>)."""

    before = MessageIdField(required=False)
    after = MessageIdField(required=False)
    since = MessageIdField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("before") is None) == (data.get("after") is None):
            raise forms.ValidationError("Give one of ?before=<message id> or ?after=<message id>.")
        return data


class ReadForm(QueryForm):
    up_to = MessageIdField()


class SearchQuery(QueryForm):
    """?q=<words>[&room=<name>][&scope=room|all][&order=newest|relevance]"""

    q = forms.CharField(required=False, strip=False, max_length=settings.MESSAGE_MAX_LENGTH)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Words are only ever bound as parameters: a NUL finds nothing, and that is an answer.
        q = self.fields["q"]
        q.validators = [
            v for v in q.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    room = forms.RegexField(ROOM_NAME, required=False, strip=False)
    scope = forms.ChoiceField(choices=[("room", "room"), ("all", "all")], required=False)
    order = forms.ChoiceField(choices=[(order, order) for order in ORDERS], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["scope"] = data.get("scope") or ("room" if data.get("room") else "all")
        data["order"] = data.get("order") or "newest"
        if data["scope"] == "room" and not data.get("room"):
            raise forms.ValidationError("?scope=room needs ?room=.")
        return data
