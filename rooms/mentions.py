"""@mentions in message bodies: who might be mentioned, and the markdown-it rule that
turns @name of someone mentionable into a link to a direct conversation with them."""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from html import escape
from typing import Any
from urllib.parse import quote

from django.urls import NoReverseMatch, reverse
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# @name, not preceded by a word character or @ (so "email@example.com" is no mention).
# Names are what Django allows in a username, but for "@"; a trailing dot ends a sentence.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


def mention_candidates(body: str) -> set[str]:
    """Lowercased names written as @name in `body`: who might be mentioned."""
    return {match.lower().rstrip(".") for match in MENTION.findall(body)} - {""}


def mention_rule(state: StateCore) -> None:
    """Turn @name of someone mentionable into a "mention" token, outside links and code.

    It runs before text_join, so an @ typed as "\\@" or "&#64;" (a text_special token)
    mentions no one."""
    mentionable: Mapping[str, str] = state.env["mentionable"]
    if not mentionable:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        previous = ""
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            elif token.type == "text" and not in_link and "@" in token.content:
                children.extend(_split_mentions(token, previous, mentionable, state.env))
                previous = token.content[-1:]
                continue
            children.append(token)
            previous = token.content[-1:] if token.type in ("text", "text_special") else ""
        block.children = children


def _split_mentions(
    token: Token, previous: str, mentionable: Mapping[str, str], env: MutableMapping[str, Any]
) -> list[Token]:
    # The text before this token takes part in the look-behind: "x\\_@bob" is no mention.
    text = previous + token.content
    start = len(previous)
    pieces: list[Token] = []
    for match in MENTION.finditer(text, start):
        name = match.group(1).rstrip(".")
        username = mentionable.get(name.lower())
        if not name or username is None:
            continue
        if match.start() > start:
            pieces.append(_text(token, text[start : match.start()]))
        mention = Token("mention", "a", 0, level=token.level, content=username)
        pieces.append(mention)
        env["mentioned"].add(username)
        start = match.start(1) + len(name)
    if not pieces:
        return [token]
    if start < len(text):
        pieces.append(_text(token, text[start:]))
    return pieces


def _text(like: Token, content: str) -> Token:
    return Token("text", "", 0, level=like.level, content=content)


def mention_link(username: str) -> str:
    return f'<a class="mention" href="{escape(direct_url(username))}">@{escape(username)}</a>'


def direct_url(username: str) -> str:
    """Where a mention of `username` leads: a direct conversation with them."""
    try:
        return reverse("rooms:direct", kwargs={"username": username})
    except NoReverseMatch:
        # Before rooms.urls names it: the same path, quoted the same way.
        return f"{reverse('rooms:lobby')}@{quote(username, safe='+')}/"
