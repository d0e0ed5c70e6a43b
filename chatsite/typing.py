"""Types shared by the apps: who is asking (the user model, or nobody signed in)."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

AnyUser: TypeAlias = User | AnonymousUser


class AuthenticatedRequest(HttpRequest):
    """A request behind @login_required: its user is a signed-in person."""

    user: User
    htmx: HtmxDetails
