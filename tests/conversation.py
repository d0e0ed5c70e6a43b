"""Helpers for the tests of replies, message links, topics and pins."""

from __future__ import annotations

from collections.abc import Iterator

from django.test import Client

from chatsite import ratelimit
from tests.markup import Attributes, Markup

HTMX = {"HX-Request": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def find(html: str, css_class: str, tag: str | None = None) -> list[Attributes]:
    """The attributes of each element of `html` with class `css_class` (and tag `tag`)."""
    return [
        attributes
        for name, attributes in Markup(html).elements
        if css_class in (attributes.get("class") or "").split() and tag in (None, name)
    ]


def one(html: str, css_class: str, tag: str | None = None) -> Attributes:
    found = find(html, css_class, tag)
    assert len(found) == 1, f"{len(found)} elements of class {css_class}"
    return found[0]


def message_ids(html: str) -> list[int]:
    return [int(attributes["data-id"] or 0) for attributes in find(html, "message", "article")]


def fresh_rate_limits() -> Iterator[None]:
    """For an autouse fixture: no one starts over a limit, and no counts are left behind."""
    ratelimit.reset()
    yield
    ratelimit.reset()
