"""Unsubscribing from an email's link, and the switch on the settings page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from chatsite.typing import AuthenticatedRequest
from digests import actions, tokens


class PreferenceForm(forms.Form):
    # An unticked checkbox sends nothing: absent means off.
    enabled = forms.BooleanField(required=False)


# The token authenticates, not a session: the link works from any mail program, logged in
# or not, and RFC 8058's one-click POST (List-Unsubscribe=One-Click) comes from the mail
# provider, without a CSRF token. All a forged POST could do is stop these emails.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = tokens.user_for(token)
    if user is None:
        return render(request, "digests/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        actions.unsubscribe(user)
        return render(request, "digests/unsubscribed.html", {"person": user})
    context = {"person": user, "token": token, "enabled": actions.is_enabled(user)}
    return render(request, "digests/unsubscribe.html", context)


@login_required
@require_POST
def preference(request: AuthenticatedRequest) -> HttpResponse:
    form = PreferenceForm(request.POST)
    form.is_valid()  # a BooleanField that is not required takes anything
    actions.set_enabled(request.user, form.cleaned_data["enabled"])
    return redirect(reverse("edit_profile") + "#email-digest")
