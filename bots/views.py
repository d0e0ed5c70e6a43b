"""Staff's bots page (/people/bots/) and everyone's personal API tokens (on their settings
page, accounts/profile/, through bots/templatetags/api_tokens.py). Plain forms: a key is
shown once, in the page that answers the form that made it, and never again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bots import keys
from bots.forms import BotForm, TokenForm
from bots.models import ApiKey, Bot
from chatsite.typing import AuthenticatedRequest

BOTS_PAGE = "bots/bots.html"
TOKEN_MADE_PAGE = "bots/token_made.html"

staff_only = user_passes_test(lambda user: user.is_staff)


def _bots_page(
    request: AuthenticatedRequest, form: BotForm, shown: dict[str, Any] | None = None
) -> HttpResponse:
    bots = Bot.objects.select_related("user__profile", "created_by")
    listed = [{"bot": bot, "key": bot.live_key()} for bot in bots]
    context = {"form": form, "bots": listed, "shown": shown}
    return render(request, BOTS_PAGE, context)


@login_required
@staff_only
@require_http_methods(["GET", "POST"])
def bots(request: AuthenticatedRequest) -> HttpResponse:
    """The bots, and a form for a new one; after making one, its key, shown once."""
    form = BotForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bot, issued = keys.create_bot(
            data["username"],
            by=request.user,
            display_name=data["display_name"],
            avatar=data["avatar"],
            webhook_url=data["webhook_url"],
        )
        return _bots_page(request, BotForm(), {"bot": bot, "key": issued.key})
    return _bots_page(request, form)


@login_required
@staff_only
@require_POST
def rotate(request: AuthenticatedRequest, username: str) -> HttpResponse:
    """A new key for the bot; the old one stops working at once."""
    bot = get_object_or_404(Bot.objects.select_related("user"), user__username=username)
    issued = keys.rotate_bot_key(bot)
    return _bots_page(request, BotForm(), {"bot": bot, "key": issued.key})


@login_required
@staff_only
@require_POST
def revoke(request: AuthenticatedRequest, username: str) -> HttpResponse:
    bot = get_object_or_404(Bot.objects.select_related("user"), user__username=username)
    keys.revoke_all(bot.user)
    return redirect("people:bots:bots")


@login_required
@require_POST
def new_token(request: AuthenticatedRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(request, TOKEN_MADE_PAGE, {"form": form}, status=400)
    issued = keys.issue_token(request.user, form.cleaned_data["name"])
    return render(request, TOKEN_MADE_PAGE, {"issued": issued})


@login_required
@require_POST
def revoke_token(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    # Someone else's token is a 404, as if it did not exist.
    keys.revoke(get_object_or_404(ApiKey, pk=pk, user=request.user))
    return redirect("edit_profile")


@login_required
@require_GET
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    """The tokens live on the settings page; this address leads there."""
    return redirect("edit_profile")
