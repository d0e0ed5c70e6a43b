"""Message search: one small interface over the database's own full-text search.

    search(user, "deploy fri", room=None, limit=50, order="newest") -> list[Message]

Every word of the query must start a word of the message ("deploy fri" finds "Deploying
on Friday"), whatever its case, or of the names of its files ("report pdf" finds a message
with "Q3 report.pdf"; attachments.models.AttachmentQuerySet.naming, the same plain query on
both engines). Only messages `user` may see are found (public rooms and
the private rooms and conversations they are in), never deleted ones.

- SQLite: an FTS5 table over rooms_message.body (`unicode61` tokenizer, accents ignored),
  kept in sync by triggers; both made by migration 0002.
- PostgreSQL: to_tsvector('simple', ...) over the lowercased body, with a GIN index on
  that expression (migration 0002). The `simple` configuration neither stems nor drops
  stop words, so both engines find the same messages for the same words.

The query is never handed to either engine's query syntax as typed: it is cut into runs of
letters and digits (`terms`), and each becomes a quoted prefix term, so quotes, `*`, `-`,
`OR`, `NEAR(`, parentheses or SQL in it are only separators.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from django.db import connections, router
from django.db.models import F, FloatField, Func, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from attachments.models import Attachment
from rooms.models import Membership, Message, Room

Order = Literal["newest", "relevance"]
ORDERS: tuple[Order, ...] = ("newest", "relevance")
# Results the search page shows.
PAGE_SIZE = 50
# A room name as ?room= gives it: what people choose, or a conversation's "dm.<id>.<id>".
ROOM_NAME = re.compile(r"\A[A-Za-z0-9_.-]{1,50}\Z")

# Letters and digits: what both engines' tokenizers keep as words (the rest separates them).
WORD = re.compile(r"[^\W_]+")
# Words beyond this many are ignored (each one only narrows the results).
MAX_TERMS = 16
# No engine indexes a word this long in a way a search could find; such a query finds nothing.
MAX_TERM_LENGTH = 100

# Made by migration 0002 (SQLite only): an external-content FTS5 table over the bodies.
SQLITE_FTS_TABLE = "rooms_message_fts"
# Made by migration 0002 (PostgreSQL only): the body lowercased by Unicode rules (with ICU
# when the server has it), whatever the database's locale; the GIN index is over its tsvector.
POSTGRES_TEXT_FUNCTION = "rooms_message_search_text"
POSTGRES_INDEX = "message_body_search"


def terms(query: str) -> list[str]:
    """The words of `query`, lowercased, each once, in order: at most MAX_TERMS of them."""
    words = WORD.findall(unicodedata.normalize("NFC", query).lower())
    return list(dict.fromkeys(words))[:MAX_TERMS]


def search(
    user,
    query: str,
    room: Room | None = None,
    limit: int = 50,
    order: Order = "newest",
) -> list[Message]:
    """Messages `user` may see that contain every word of `query` (as a word prefix), in
    `room` or in every room they may see; newest first, or best match first."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    words = terms(query)
    if not words or limit <= 0 or any(len(word) > MAX_TERM_LENGTH for word in words):
        return []
    rooms = Room.objects.visible_to(user)
    if room is not None:
        rooms = rooms.filter(pk=room.pk)
    messages: QuerySet[Message] = Message.objects.filter(
        room__in=rooms, deleted_at__isnull=True, kind=Message.Kind.MESSAGE
    )
    vendor = connections[router.db_for_read(Message)].vendor
    engine = ENGINES.get(vendor)
    if engine is None:
        raise NotImplementedError(f"No message search for {vendor} databases.")
    named = Attachment.objects.naming(words)
    messages = engine(messages, words, order == "relevance", named)
    # Room labels of conversations name the other member: fetch those in one query.
    direct_members = Membership.objects.filter(room__kind=Room.Kind.DIRECT).select_related("user")
    messages = messages.select_related("room", "author").prefetch_related(
        Prefetch("room__memberships", queryset=direct_members), "attachments"
    )
    return list(messages[:limit])


def _sqlite(
    messages: QuerySet[Message], words: list[str], by_relevance: bool, named: Q
) -> QuerySet:
    # Each word a quoted string (any double quote doubled) with a prefix star: FTS5 syntax
    # never sees the user's text, and the terms must all match.
    expression = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
    table = SQLITE_FTS_TABLE
    matching = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [expression])
    messages = messages.filter(Q(pk__in=matching) | named)
    if not by_relevance:
        return messages.order_by("-pk")
    # bm25(): smaller (more negative) is better; a match by file name alone has none, 0.
    # Only computed for the messages already found.
    rank = RawSQL(
        f"(SELECT bm25({table}) FROM {table} WHERE {table} MATCH %s "
        f'AND {table}.rowid = "rooms_message"."id")',
        [expression],
    )
    found_by_name = Value(0.0)
    ranked = Coalesce(rank, found_by_name, output_field=FloatField())
    return messages.annotate(search_rank=ranked).order_by("search_rank", "-pk")


def postgres_vector():
    """The indexed expression: queries must use exactly this for the index to serve them."""
    from django.contrib.postgres.search import SearchVector

    lowered = Func(F("body"), function=POSTGRES_TEXT_FUNCTION, output_field=TextField())
    return SearchVector(lowered, config="simple")


def _postgres(
    messages: QuerySet[Message], words: list[str], by_relevance: bool, named: Q
) -> QuerySet:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    # A "raw" tsquery, but built only from letters and digits, each quoted ('' and \\
    # escaped all the same) and marked as a prefix: websearch and plain queries cannot
    # match prefixes, and nothing of the user's text is operator syntax here.
    quoted = ("'" + word.replace("\\", "\\\\").replace("'", "''") + "':*" for word in words)
    query = SearchQuery(" & ".join(quoted), search_type="raw", config="simple")
    vector = postgres_vector()
    messages = messages.alias(search_vector=vector).filter(Q(search_vector=query) | named)
    if not by_relevance:
        return messages.order_by("-pk")
    rank = SearchRank(F("search_vector"), query)
    return messages.annotate(search_rank=rank).order_by("-search_rank", "-pk")


ENGINES: dict[str, Callable[[QuerySet[Message], list[str], bool, Q], QuerySet]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
}


def _fold(text: str) -> str:
    """`text` without accents, lowercased: how highlighting compares words."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def highlight(text: str, query: str, width: int = 300) -> SafeString:
    """`text` escaped, with each word that starts with a word of `query` in <mark>.

    Text longer than `width` characters is cut to about that much around the first hit,
    with an ellipsis where it was cut.
    """
    text = unicodedata.normalize("NFC", text)
    prefixes = tuple(_fold(word) for word in terms(query))
    hits = [
        match.span()
        for match in WORD.finditer(text)
        if prefixes and _fold(match.group()).startswith(prefixes)
    ]
    start, end = 0, len(text)
    if end > width:
        first = hits[0][0] if hits else 0
        start = max(0, min(first - width // 3, end - width))
        if start:
            # Begin at a word: after the first space past the cut, when it is near.
            space = text.find(" ", start, first)
            start = space + 1 if space != -1 else start
        end = start + width
        space = text.rfind(" ", max(start, end - 30), end)
        end = space if space > start else end
    pieces = ["…" if start else ""]
    position = start
    for hit_start, hit_end in hits:
        if hit_end <= start:
            continue
        if hit_start >= end:
            break
        hit_start, hit_end = max(hit_start, start), min(hit_end, end)
        pieces += [
            escape(text[position:hit_start]),
            f"<mark>{escape(text[hit_start:hit_end])}</mark>",
        ]
        position = hit_end
    pieces += [escape(text[position:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(pieces))  # every piece of the text is escaped above


@dataclass(frozen=True)
class Hit:
    """A found message as the search page shows it."""

    message: Message
    # "#name", or "@them" for a conversation, as the viewer calls the room.
    room_label: str
    # The text, escaped, its matching words in <mark>.
    text: SafeString
    # The room opened at the message, which is highlighted there (:target).
    url: str


def hits(messages: Iterable[Message], query: str, viewer) -> list[Hit]:
    return [
        Hit(
            message,
            message.room.label_for(viewer),
            highlight(message.body, query),
            f"{reverse('rooms:room', args=[message.room.name])}"
            f"?around={message.pk}#message-{message.pk}",
        )
        for message in messages
    ]
