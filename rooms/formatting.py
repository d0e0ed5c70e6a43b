"""Message bodies to HTML: a small, safe Markdown subset, auto-links and @mentions.

Bodies are parsed with markdown-it-py (raw HTML off, only the rules below on) and the
token stream is written out by `_render`, which knows a fixed set of tags and writes
every attribute itself: nothing a user types can add a tag, an attribute or a URL scheme
that is not listed here. Everything typed is escaped.

    bold **b** __b__, italic *i* _i_, `inline code`, fenced and indented code blocks,
    > block quotes, - * + and 1. 1) lists, [links](https://...), <https://...>,
    bare URLs and e-mail addresses (linkify-it-py), @mentions, :shortcode: emoji.

A newline inside a paragraph stays a line break (<br>), as people expect in a chat.
Headings, tables, images, horizontal rules, strikethrough, raw HTML and reference-style
link definitions are off: what they would have been shows as the text that was typed.
Links go to http, https and mailto URLs only (anything else stays text), each with
`rel="nofollow noopener noreferrer"`; a link's title, a fence's info string (which
markdown-it would make a class) and an ordered list's start number are dropped.
"""

from __future__ import annotations

import queue
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

from rooms.mentions import mention_link, mention_rule
from rooms.shortcodes import shortcode_rule

BLOCK_RULES = ["code", "fence", "blockquote", "list", "paragraph"]
INLINE_RULES = ["text", "linkify", "newline", "escape", "backticks", "emphasis", "link"]
INLINE_RULES += ["autolink", "entity"]
INLINE_RULES2 = ["balance_pairs", "emphasis", "fragments_join"]
CORE_RULES = ["normalize", "block", "inline", "linkify", "text_join"]

# What a link may point to, after markdown-it has normalised (percent-encoded) it:
# http(s) with a host, or mailto. Relative and protocol-relative URLs are refused too.
SAFE_URL = re.compile(r"(?:https?://[^/?#\s\\]|mailto:[^\s])", re.IGNORECASE)
LINK_REL = "nofollow noopener noreferrer"

# Tags written for each token type; everything else a token could carry is ignored.
SIMPLE_TAGS = {
    "blockquote_open": "<blockquote>",
    "blockquote_close": "</blockquote>",
    "bullet_list_open": "<ul>",
    "bullet_list_close": "</ul>",
    "ordered_list_open": "<ol>",
    "ordered_list_close": "</ol>",
    "list_item_open": "<li>",
    "list_item_close": "</li>",
    "strong_open": "<strong>",
    "strong_close": "</strong>",
    "em_open": "<em>",
    "em_close": "</em>",
    "softbreak": "<br>",
    "hardbreak": "<br>",
}


@dataclass(frozen=True)
class Formatted:
    html: SafeString
    # Usernames mentioned, spelled as in the database.
    mentions: frozenset[str]


def format_message(body: str, mentionable: Mapping[str, str]) -> Formatted:
    """`body` as safe HTML; @name becomes a link when `mentionable` (lowercase name ->
    username) has the name."""
    env: dict = {"mentionable": mentionable, "mentioned": set()}
    with _parser() as md:
        tokens = md.parse(body, env)
        max_nesting = md.options.maxNesting
    if _too_deep(tokens, max_nesting):
        return Formatted(mark_safe(_plain(body)), frozenset())
    return Formatted(mark_safe(_render(tokens)), frozenset(env["mentioned"]))


def is_safe_url(url: str) -> bool:
    """Whether a (normalised) link target may appear in a page."""
    return SAFE_URL.match(url) is not None


# Parsing -----------------------------------------------------------------------------------

# Parsers not in use. Neither markdown-it-py nor linkify-it-py promise thread safety, so a
# parser serves one thread at a time; it is kept for the next rather than per thread, as
# under ASGI each request has a new thread, and building one costs more than most parses.
_idle: queue.SimpleQueue[MarkdownIt] = queue.SimpleQueue()


@contextmanager
def _parser() -> Iterator[MarkdownIt]:
    try:
        md = _idle.get_nowait()
    except queue.Empty:
        md = _make_parser()
    try:
        yield md
    finally:
        _idle.put(md)


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": True, "typographer": False})
    md.enable(CORE_RULES).enable(BLOCK_RULES).enable(INLINE_RULES).enable(INLINE_RULES2)
    # Only the schemes a link may have are linkified; "ftp:" and "//host" stay text.
    assert md.linkify is not None  # "linkify": True above
    md.linkify.add("ftp:", None).add("//", None)
    md.validateLink = is_safe_url  # type: ignore[method-assign]
    # Auto-linked text shows as typed: no percent- or punycode-decoding (which could make
    # "xn--..." look like another, Unicode, host name).
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    md.core.ruler.before("text_join", "mentions", mention_rule)
    md.core.ruler.before("text_join", "shortcodes", shortcode_rule)
    return md


# Rendering ---------------------------------------------------------------------------------


def _too_deep(tokens: list[Token], max_nesting: int) -> bool:
    """Whether quotes or lists nest so deep that markdown-it dropped what is inside."""
    return any(
        token.type in ("blockquote_open", "list_item_open") and token.level + 1 >= max_nesting
        for token in tokens
    )


def _plain(body: str) -> str:
    """`body` as escaped text, its lines kept: for what cannot be shown as Markdown."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd").split("\n")
    return "<p>" + "<br>".join(escape(line) for line in lines) + "</p>"


def _render(tokens: list[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        kind = token.type
        if kind == "inline":
            _render_inline(token.children or [], out)
        elif kind in ("paragraph_open", "paragraph_close"):
            # Paragraphs in tight lists are hidden: their text sits right in the <li>.
            if not token.hidden:
                out.append("<p>" if kind == "paragraph_open" else "</p>")
        elif kind in ("fence", "code_block"):
            # The fence's info string (language) is dropped, not made a class.
            code = token.content[:-1] if token.content.endswith("\n") else token.content
            out.append(f"<pre><code>{escape(code)}</code></pre>")
        elif kind in SIMPLE_TAGS:
            out.append(SIMPLE_TAGS[kind])
        elif token.nesting == 0 and token.content:
            # No rule that is on makes any other token; were one to appear, its text shows.
            out.append(escape(token.content))
    return "".join(out)


def _render_inline(tokens: list[Token], out: list[str]) -> None:
    links: list[bool] = []
    for token in tokens:
        kind = token.type
        if kind in ("text", "text_special"):
            out.append(escape(token.content))
        elif kind == "code_inline":
            out.append(f"<code>{escape(token.content)}</code>")
        elif kind == "mention":
            out.append(mention_link(token.content))
        elif kind == "link_open":
            href = str(token.attrs.get("href", ""))
            # markdown-it already refused any other target (validateLink): belt and braces.
            links.append(is_safe_url(href))
            if links[-1]:
                out.append(f'<a href="{escape(href)}" rel="{LINK_REL}">')
        elif kind == "link_close":
            if links and links.pop():
                out.append("</a>")
        elif kind in SIMPLE_TAGS:
            out.append(SIMPLE_TAGS[kind])
        elif token.nesting == 0 and token.content:
            out.append(escape(token.content))
