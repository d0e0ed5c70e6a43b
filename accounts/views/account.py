"""A person's own account: their profile, their password (changed here, or reset by email)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from accounts import actions
from accounts.forms import THROTTLED, ProfileForm, ThrottledPasswordResetForm
from accounts.people import profile_of
from chatsite.typing import AuthenticatedRequest


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request: AuthenticatedRequest) -> HttpResponse:
    profile = profile_of(request.user)
    initial = {
        "email": request.user.email,
        "display_name": profile.display_name,
        "bio": profile.bio,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        actions.update_profile(
            request.user,
            data["email"],
            data["display_name"],
            data["bio"],
            data["avatar"],
            data["remove_avatar"],
        )
        return redirect("people:profile", request.user.get_username())
    return render(request, "accounts/profile_form.html", {"form": form, "profile": profile})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, and then every other session of the person ends, open pages included."""

    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # The session's key changes with the password (update_session_auth_hash); its open
        # sockets know it by the key they opened with.
        key_before = self.request.session.session_key
        response = super().form_valid(form)
        actions.password_changed(
            form.user, kept_session=self.request.session.session_key, sockets_of=key_before
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, with requests limited per address (RATE_LIMITS["password_reset"])."""

    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "address": self.request.META.get("REMOTE_ADDR", "")}

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error("__all__", THROTTLED):
            response.status_code = 429
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's; a password set by email ends every session of the person, open pages too."""

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        actions.password_changed(form.user, kept_session=None, sockets_of=None)
        return response
