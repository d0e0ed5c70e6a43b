""":shortcode: emoji (the `emoji` library's names and aliases: :thumbsup:, :thumbs_up:, :tada:).

Used by message formatting (a markdown-it rule, so code and links keep what was typed) and
by reactions (which accept a shortcode for their emoji). A code that names no emoji stays
as typed.
"""

from __future__ import annotations

import emoji
from markdown_it.rules_core import StateCore


def emojize(text: str) -> str:
    """`text` with every known :shortcode: replaced by its emoji."""
    return emoji.emojize(text, language="alias")


def shortcode_rule(state: StateCore) -> None:
    """Replace :shortcode: in plain text, but not inside links or code.

    Code spans and blocks are tokens of their own, never "text", so they keep what was
    typed. It runs before text_join, so a colon typed as "\\:" (a text_special token)
    starts no shortcode.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            elif token.type == "text" and not in_link and token.content.count(":") >= 2:
                token.content = emojize(token.content)
