"""Which text is one emoji: typed, pasted, or as a :shortcode:; and the quick palette."""

from __future__ import annotations

import emoji

from rooms.shortcodes import emojize

# The palette offered first (any other emoji may be typed or pasted too).
QUICK = ("👍", "❤️", "😂", "🎉", "😮", "😢")


def as_emoji(text: str) -> str | None:
    """The one emoji `text` is (or names, as a :shortcode:), fully qualified; else None.

    Two emoji, an emoji with anything else around it (a zero-width joiner, a direction
    mark, a letter), a lone component (a skin tone) or an unknown shortcode are None.
    """
    candidate = emojize(text)
    if not emoji.is_emoji(candidate) or _is_component(candidate):
        return None
    # Through its name and back: "❤" and "❤️" (with or without the variation selector)
    # are the same reaction.
    qualified = emojize(emoji.demojize(candidate, language="alias"))
    return qualified if emoji.is_emoji(qualified) else candidate


def shortcode(character: str) -> str:
    """The emoji's :shortcode: (the library's English name), shown as a hint."""
    return emoji.demojize(character, language="alias")


def _is_component(candidate: str) -> bool:
    return emoji.EMOJI_DATA[candidate]["status"] == emoji.STATUS["component"]
