from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from rooms import search as message_search
from rooms.queries import SearchQuery
from rooms.views.access import visible_room


@login_required
@require_http_methods(["GET"])
def search(request: AuthenticatedRequest) -> HttpResponse:
    """Messages the user may see: 400 for malformed parameters (rooms.queries.SearchQuery),
    404 for a room they may not see."""
    query = SearchQuery.of(request.GET)
    words, scope, order = query["q"], query["scope"], query["order"]
    room = visible_room(request, query["room"]) if query["room"] else None
    limit = message_search.PAGE_SIZE
    hits = []
    if words.strip():
        found = message_search.search(
            request.user, words, room if scope == "room" else None, limit=limit, order=order
        )
        hits = message_search.hits(found, words, request.user)
    context = {
        "query": words,
        "room": room,
        "room_label": room.label_for(request.user) if room else "",
        "scope": scope,
        "order": order,
        "hits": hits,
        "more": len(hits) >= limit,
    }
    return render(request, "rooms/search.html", context)
