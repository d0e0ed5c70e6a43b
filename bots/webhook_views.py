"""A bot's webhook, for staff (/people/bots/<name>/webhook/): its URL, and the secret that
signs its requests (README "Verifying webhooks"), shown to staff whenever they look (the
receiver needs it too) and rotated at will. Plain forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from bots import keys
from bots.forms import BotForm
from bots.models import Bot
from bots.views import staff_only
from chatsite.typing import AuthenticatedRequest


class WebhookForm(forms.Form):
    webhook_url = BotForm.base_fields["webhook_url"]


def _bot(username: str) -> Bot:
    return get_object_or_404(Bot.objects.select_related("user__profile"), user__username=username)


@login_required
@staff_only
@require_http_methods(["GET", "POST"])
def webhook(request: AuthenticatedRequest, username: str) -> HttpResponse:
    bot = _bot(username)
    form = WebhookForm(request.POST or None, initial={"webhook_url": bot.webhook_url})
    if request.method == "POST":
        if form.is_valid():
            keys.set_webhook_url(bot, form.cleaned_data["webhook_url"])
            return redirect("people:bots:webhook", bot.user.get_username())
        return render(request, "bots/webhook.html", {"bot": bot, "form": form}, status=400)
    return render(request, "bots/webhook.html", {"bot": bot, "form": form})


@login_required
@staff_only
@require_POST
def rotate_secret(request: AuthenticatedRequest, username: str) -> HttpResponse:
    """A new secret: requests signed with the old one stop verifying at once."""
    bot = _bot(username)
    keys.rotate_webhook_secret(bot)
    return redirect("people:bots:webhook", bot.user.get_username())
