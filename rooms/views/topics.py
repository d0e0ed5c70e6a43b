from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from chatsite import ratelimit
from chatsite.typing import AuthenticatedRequest
from rooms import fragments
from rooms.actions.topics import set_topic
from rooms.forms import TopicForm
from rooms.views.access import visible_room

TOPIC_FORM = "rooms/topic_form.html"
TOPIC_PAGE = "rooms/topic_page.html"


@login_required
@require_http_methods(["POST"])
def topic(request: AuthenticatedRequest, name: str) -> HttpResponse:
    """Set the room's topic: anyone who may see the room (for a private room, its members).
    Setting the topic it already has changes nothing and leaves no line."""
    room = visible_room(request, name)
    form = TopicForm(request.POST)
    if form.is_valid() and not ratelimit.allow("post", request.user.pk):
        form.add_error("topic", ratelimit.TOO_MANY_MESSAGES)
    if not form.is_valid():
        # Re-rendered with its error and what was typed; 200 as for the composer's errors.
        context = {"room": room, "topic_form": form, "label": room.label_for(request.user)}
        return render(request, TOPIC_FORM if request.htmx else TOPIC_PAGE, context)
    new_topic = form.cleaned_data["topic"]
    if new_topic != room.topic:
        set_topic(room, new_topic, by=request.user)
    if not request.htmx:
        return redirect(room)
    # The form, ready for the next change, and the header at once (the socket brings it too).
    context = {"room": room, "topic_form": TopicForm(initial={"topic": room.topic})}
    form_html = render(request, TOPIC_FORM, context).content.decode()
    return HttpResponse(form_html + fragments.room_header(room))
