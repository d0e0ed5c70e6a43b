"""Mention suggestions: as someone types "@al" in the composer, the people who can see the
room whose username or display name starts with "al", as a server-rendered listbox
(htmx/chat/mentions.js shows it and inserts the one chosen)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from chatsite import ratelimit
from chatsite.typing import AuthenticatedRequest
from rooms.views.access import visible_room

SUGGESTIONS = "rooms/mention_suggestions.html"
# At most this many people are offered; typing more letters narrows the list.
MOST_SUGGESTIONS = 8
# No username is longer (Django's User.username); a longer query matches no one.
LONGEST_QUERY = 150


def suggestion_prefix(raw: str) -> str:
    """What to match: the text after "@", or "" when it cannot be a name's start (too long,
    spaces or control characters: a NUL byte would even be an error in PostgreSQL)."""
    prefix = raw.strip().removeprefix("@")
    if len(prefix) > LONGEST_QUERY or not prefix.isprintable() or " " in prefix:
        return ""
    return prefix


@login_required
@require_http_methods(["GET"])
def mention_suggestions(request: AuthenticatedRequest, name: str) -> HttpResponse:
    room = visible_room(request, name)
    prefix = suggestion_prefix(request.GET.get("q", ""))
    # An empty list (200) for an empty query or one over the limit: suggestions are a help,
    # and a refusal would only show as an error in the browser's console.
    people = []
    if prefix and ratelimit.allow("mention", request.user.pk):
        people = list(room.mention_candidates(prefix, MOST_SUGGESTIONS))
    return render(request, SUGGESTIONS, {"people": people, "room": room})
