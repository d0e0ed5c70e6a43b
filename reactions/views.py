"""Reacting to a message: the picker (a page without JavaScript, the dialog's content with
it) and the toggle it and each reaction button post to."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget, trigger_client_event

from chatsite import ratelimit
from chatsite.typing import AuthenticatedRequest, User
from reactions import actions, emojis
from reactions.forms import ReactionForm
from reactions.grouping import group_reactions
from rooms import fragments
from rooms.models import Message
from rooms.views.access import find_message

PAGE = "reactions/react.html"
PICKER = f"{PAGE}#picker"
# Where the room page shows the picker (templates/reactions/dialog.html).
PICKER_TARGET = "#reaction-picker"
TOO_MANY_REACTIONS = _("You are reacting too fast. Wait a few seconds, then try again.")


@dataclass(frozen=True)
class Choice:
    emoji: str
    mine: bool
    hint: str


@login_required
@require_http_methods(["GET", "POST"])
def react(request: AuthenticatedRequest, name: str, pk: int) -> HttpResponse:
    """GET: the picker. POST: add the emoji, or remove it if it is the person's already."""
    message = find_message(request, name, pk)
    if request.method == "GET":
        return picker(request, message, ReactionForm())
    form = ReactionForm(request.POST)
    # Over the limit a reaction is refused like an invalid one, but with 429.
    too_fast = form.is_valid() and not ratelimit.allow("react", request.user.pk)
    if too_fast:
        form.add_error("emoji", TOO_MANY_REACTIONS)
    if form.is_valid():
        try:
            toggled = actions.toggle_reaction(message, request.user, form.cleaned_data["emoji"])
        except ValidationError as refused:
            form.add_error("emoji", refused)
        else:
            if not request.htmx:
                return redirect(back_to(message))
            # The message merges in at once (its socket brings the same revision too), as
            # rendered for the broadcast; then the event closes the picker.
            response = reswap(HttpResponse(fragments.message(toggled.message)), "none")
            return trigger_client_event(response, "chat:reacted", after="swap")
    return picker(request, message, form, status=429 if too_fast else 200)


def picker(
    request: AuthenticatedRequest, message: Message, form: ReactionForm, status: int = 200
) -> HttpResponse:
    context = {
        "message": message,
        "room": message.room,
        "form": form,
        "choices": choices(message, request.user),
        "back": back_to(message),
    }
    if not request.htmx:
        return render(request, PAGE, context, status=status)
    # Also the answer to a reaction button's refused post: the picker opens with the error.
    response = render(request, PICKER, context, status=status)
    return retarget(reswap(response, "innerHTML"), PICKER_TARGET)


def choices(message: Message, user: User) -> list[Choice]:
    """The message's reactions so far, then the quick palette: each marked if it is `user`'s."""
    reactions = message.reactions.all()
    used = [group.emoji for group in group_reactions(reactions)]
    mine = {reaction.emoji for reaction in reactions if reaction.user_id == user.pk}
    offered = used + [emoji for emoji in emojis.QUICK if emoji not in used]
    return [Choice(emoji, emoji in mine, emojis.shortcode(emoji)) for emoji in offered]


def back_to(message: Message) -> str:
    """The room at the message: the latest page when it is on it, else history around it."""
    room = message.room
    newer = room.messages.filter(pk__gt=message.pk).count()
    query = "" if newer < settings.MESSAGE_PAGE_SIZE else f"?around={message.pk}"
    return f"{room.get_absolute_url()}{query}#message-{message.pk}"
