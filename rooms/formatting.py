"""Message bodies to HTML. (Placeholder: plain escaped text until Markdown lands.)"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


@dataclass(frozen=True)
class Formatted:
    html: SafeString
    # Usernames mentioned, spelled as in the database.
    mentions: frozenset[str]


def mention_candidates(body: str) -> set[str]:
    """Lowercased names written as @name in `body`: who might be mentioned."""
    return {match.lower().rstrip(".") for match in MENTION.findall(body)}


def format_message(body: str, mentionable: Mapping[str, str]) -> Formatted:
    """`body` as safe HTML; @name becomes a link when `mentionable` (lowercase name ->
    username) has the name."""
    mentions = frozenset(
        mentionable[name] for name in mention_candidates(body) if name in mentionable
    )
    return Formatted(mark_safe(f"<p>{escape(body)}</p>"), mentions)
