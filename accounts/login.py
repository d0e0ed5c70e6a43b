"""Django's login, refusing further tries after too many failures.

Failures are counted per username (someone guessing one account's password) and per client
address (someone trying many accounts). A refused try is not checked at all, so guessing
stops paying off; a correct password within the limit logs in as usual.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from chatsite import ratelimit

THROTTLED = "throttled"


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        keys = self.throttle_keys()
        if any(ratelimit.exhausted(kind, key) for kind, key in keys):
            raise ValidationError(ratelimit.TOO_MANY_LOGINS, code=THROTTLED)
        try:
            return super().clean()
        except ValidationError:
            for kind, key in keys:
                ratelimit.allow(kind, key)
            raise

    def throttle_keys(self) -> list[tuple[str, str]]:
        username = str(self.data.get("username", "")).strip().casefold()
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return [("login", username), ("login_address", address)]


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A site nobody has an account on yet: its first visitor makes the first one.
        if not get_user_model().objects.exists():
            return redirect("first_run")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "open_signup": settings.SIGNUP == "open"}

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error("__all__", THROTTLED):
            response.status_code = 429
        return response
