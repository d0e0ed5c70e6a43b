"""Which link of a message gets a card: the first http(s) link its rendered body shows.

The body is read as rooms/formatting.py wrote it (body_html), so a card is only ever made
for a link the message really shows, with the URL that link points to: whatever Markdown,
auto-linking and URL normalisation made of what was typed. Links to this site itself (its
ALLOWED_HOSTS) get no card: its pages need a login, and a card of the login page helps no one.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host

from previews.models import LinkCard
from previews.pages import read_markup

URL_MAX_LENGTH = LinkCard._meta.get_field("url").max_length or 2000


def first_link(body_html: str) -> str | None:
    """The URL of the first link in `body_html` that deserves a card, if any."""
    finder = _LinkFinder()
    read_markup(finder, body_html)
    return next((url for url in finder.links if deserves_card(url)), None)


def deserves_card(url: str) -> bool:
    """Whether `url` is an http(s) link to another site, short enough to be stored."""
    if len(url) > URL_MAX_LENGTH:
        return False
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:  # a malformed port or IPv6 literal
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    # A wildcard would make every host "ours"; only hosts actually named count.
    own_hosts = [pattern for pattern in settings.ALLOWED_HOSTS if pattern != "*"]
    return not validate_host(host, own_hosts)


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
