"""Who calls the API: a bot or a person with an API key (`Authorization: Bearer <key>`), or
a person's browser with its session cookie, whose unsafe requests then need the CSRF token
as the site's forms do. Requests with a key need none: no browser sends it by itself.

Each caller's requests are counted against RATE_LIMITS["api"], per key (per person for the
session); over it the answer is 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer

from api.problems import TOO_MANY, Problem
from attachments.uploads import UploadLimits
from bots import keys
from bots.models import ApiKey
from chatsite import ratelimit
from chatsite.typing import User

NO_CSRF_TOKEN = _(
    "Requests made with the session cookie need the CSRF token (X-CSRFToken), as forms do. "
    "Scripts should use an API key instead."
)
# Longer than any key this site makes; a longer one is refused unread.
MAX_KEY_LENGTH = 200


def _limit_uploads(request: HttpRequest) -> None:
    """Hold a post's files to the composer's limits as they arrive (attachments/uploads.py):
    in place before anything reads the body, the session's CSRF check included."""
    if request.method == "POST" and UploadLimits.of(request) is None:
        request.upload_handlers = [UploadLimits(request), *request.upload_handlers]


def _admit(request: HttpRequest, user: User, counted_as: str) -> User:
    if not ratelimit.allow("api", counted_as):
        seconds = ratelimit.retry_after("api", counted_as)
        detail = TOO_MANY % {"seconds": seconds}
        raise Problem(429, detail, headers={"Retry-After": str(seconds)})
    # The views below ask request.user, as the site's own views do (rooms/views/access.py).
    request.user = user
    return user


class BearerKey(HttpBearer):
    """An API key: a bot's, or a person's personal token."""

    def __call__(self, request: HttpRequest) -> Any:
        _limit_uploads(request)
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> User:
        # A key that is given but wrong is refused outright, never tried as a session.
        api_key = ApiKey.objects.find(token) if len(token) <= MAX_KEY_LENGTH else None
        if api_key is None:
            raise AuthenticationError
        keys.mark_used(api_key)
        return _admit(request, api_key.user, f"key:{api_key.pk}")


class SessionCookie(APIKeyCookie):
    """The browser's session: the person logged in to the site."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None  # no one to check a CSRF token for: 401, not 403
        try:
            return super()._get_key(request)
        except HttpError:
            raise Problem(403, str(NO_CSRF_TOKEN)) from None

    def __call__(self, request: HttpRequest) -> Any:
        _limit_uploads(request)
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not user.is_authenticated:
            return None
        return _admit(request, user, f"user:{user.pk}")


AUTH = [BearerKey(), SessionCookie()]
