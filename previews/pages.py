"""What a card says about a web page, read from its HTML with the standard library's parser.

Open Graph first (og:title, og:description, og:site_name, og:image), then Twitter's
tags, then plain HTML (<title>, <meta name="description">); the site's name defaults to the
page's host. Values are unescaped by the parser, their whitespace collapsed, and each is
cut to what the card stores. The page is decoded with the charset its response declared,
else the one its own <meta> declares, else UTF-8; undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from previews.models import LinkCard

TITLE_LENGTH = LinkCard._meta.get_field("title").max_length or 300
DESCRIPTION_LENGTH = LinkCard._meta.get_field("description").max_length or 500
SITE_NAME_LENGTH = LinkCard._meta.get_field("site_name").max_length or 200
IMAGE_URL_LENGTH = 2000
# Where a page declares its own charset: <meta charset> must come within its first 1024 bytes
# (HTML's encoding sniffing looks no further).
CHARSET_WINDOW = 1024

# Meta keys (property= or name=, lowercased) for each field, the first found winning.
TITLE_KEYS = ("og:title", "twitter:title")
DESCRIPTION_KEYS = ("og:description", "twitter:description", "description")
SITE_NAME_KEYS = ("og:site_name", "application-name")
IMAGE_KEYS = (
    "og:image",
    "og:image:secure_url",
    "og:image:url",
    "twitter:image",
    "twitter:image:src",
)


@dataclass(frozen=True)
class PageSummary:
    title: str
    description: str
    site_name: str
    image_url: str | None

    @property
    def is_empty(self) -> bool:
        """Nothing worth a card: neither a title nor a description."""
        return not self.title and not self.description


def summarize(body: bytes, charset: str | None, url: str) -> PageSummary:
    """What the page at `url` (its final address, after redirects) says about itself."""
    reader = _MetaReader()
    read_markup(reader, decode(body, charset))
    meta = reader.meta
    title = _first(meta, TITLE_KEYS) or reader.title
    image = _first(meta, IMAGE_KEYS)
    host = urlsplit(url).hostname or ""
    return PageSummary(
        title=shorten(title, TITLE_LENGTH),
        description=shorten(_first(meta, DESCRIPTION_KEYS), DESCRIPTION_LENGTH),
        site_name=shorten(_first(meta, SITE_NAME_KEYS) or host, SITE_NAME_LENGTH),
        image_url=image_address(image, url) if image else None,
    )


def decode(body: bytes, charset: str | None) -> str:
    """`body` as text, in the charset the response declared, else the page's own."""
    for name in (charset, declared_charset(body[:CHARSET_WINDOW])):
        if name:
            try:
                return body.decode(codecs.lookup(name).name, errors="replace")
            except (LookupError, ValueError):  # a charset Python does not know: the next
                continue
    return body.decode("utf-8", errors="replace")


def declared_charset(head: bytes) -> str | None:
    """The charset a page's <meta charset> or <meta http-equiv content-type> names."""
    reader = _CharsetReader()
    # Latin-1 maps every byte to one character, so ASCII markup reads the same in any charset
    # a page may declare (UTF-16 aside, which no <meta> can announce anyway).
    read_markup(reader, head.decode("latin-1"))
    return reader.charset


def read_markup(parser: HTMLParser, text: str) -> None:
    """Feed `text` to `parser`, keeping what it read before any markup it cannot parse."""
    try:
        parser.feed(text)
        parser.close()
    except AssertionError:
        # Python's parser (before 3.13) asserts on some malformed markup, "<![" say: a
        # hostile page gets no further than that, and what came before it still counts.
        pass


def image_address(value: str, page_url: str) -> str | None:
    """The image's absolute http(s) URL, resolved against the page's, if it is one."""
    try:
        address = urljoin(page_url, value.strip())
        scheme = urlsplit(address).scheme
    except ValueError:
        return None
    if scheme not in ("http", "https") or len(address) > IMAGE_URL_LENGTH:
        return None
    return address


def shorten(text: str, length: int) -> str:
    """`text` with its whitespace collapsed, cut to `length` characters with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rstrip() + "…"


def _first(meta: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((meta[key] for key in keys if meta.get(key, "").strip()), "")


class _MetaReader(HTMLParser):
    """Collects <meta> values by key (the first of each key) and the first <title>'s text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self._title_seen = False
        self._svg_depth = 0  # an <svg> has <title>s of its own, which name no page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._svg_depth += 1
        elif tag == "title" and not self._title_seen and not self._svg_depth:
            self._in_title = True
        elif tag == "meta":
            values = {name: value or "" for name, value in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        elif tag == "title" and self._in_title:
            self._in_title = False
            self._title_seen = True

    def handle_data(self, data: str) -> None:
        # A title is short; an unclosed <title> swallowing the whole page must not fill memory.
        if self._in_title and len(self.title) <= TITLE_LENGTH * 4:
            self.title += data


class _CharsetReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charset: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta" or self.charset:
            return
        values = {name: (value or "").strip() for name, value in attrs}
        if values.get("charset"):
            self.charset = values["charset"]
        elif values.get("http-equiv", "").lower() == "content-type":
            _, _, rest = values.get("content", "").lower().partition("charset=")
            self.charset = rest.split(";")[0].strip(" \"'") or None
