"""File names as people send them: cleaned for showing and for Content-Disposition, and
folded into words for search. A name is never used to store a file (attachments.models
stores each under a random one) nor to decide what a file is (attachments.inspection)."""

from __future__ import annotations

import re
import unicodedata

# Longest name kept, in characters; longer ones lose the end of their stem, not the extension.
MAX_LENGTH = 200
# The part after the last dot kept when a name is cut, if it is this short.
MAX_EXTENSION = 16
# Marks that reorder text (embeddings, overrides, isolates, and the implicit marks): a name
# like "report\u202efdp.exe" would show as "reportexe.pdf".
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
# Letters and digits: what search takes as words (as rooms.search.WORD does).
WORD = re.compile(r"[^\W_]+")
FALLBACK = "file"


def clean_name(raw: str) -> str:
    """`raw` as it may be shown and sent back: its last path part only, without control
    characters, bidirectional marks or surrounding spaces and dots, at most MAX_LENGTH
    characters; "file" when nothing is left."""
    name = unicodedata.normalize("NFC", raw)
    name = re.split(r"[/\\]", name)[-1]
    name = " ".join(name.split())  # any run of whitespace (tabs, newlines too): one space
    name = BIDI_CONTROLS.sub("", name)
    # Control and format characters (Cc, Cf: NUL, escapes, zero-width joiners...) and
    # unassigned or private code points have nothing to show.
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Cn", "Co"})
    name = name.strip(" .")  # "..", ".", trailing dots: never a dot segment in a URL
    if len(name) > MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= MAX_EXTENSION:
            name = stem[: MAX_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_LENGTH].rstrip(" .")
    return name or FALLBACK


def fold(text: str) -> str:
    """`text` lowercased and without accents: how names and queries are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_text(name: str) -> str:
    """The words of `name`, folded, each preceded by a space: " quarterly report 2024 pdf".

    A query word matches a name when " " + word occurs in this, that is when it starts one of
    its words, with the same plain LIKE on SQLite and PostgreSQL.
    """
    return "".join(" " + word for word in WORD.findall(fold(name)))
