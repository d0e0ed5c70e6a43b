"""Who a socket belongs to: its session, from the cookie, and its user, read in the same
database hop as what its consumer looks up.

Channels' AuthMiddlewareStack is three middlewares: each copies the scope, the session
one wraps `send` so that every frame written to the socket asks whether the session
changed (to save it), and the auth one reads the session and the user in a database hop
of their own before the consumer makes another for what it needs (the room, say). A
socket never changes its session. Here one middleware puts the session (not yet read)
and a lazy user in one copy of the scope, and the consumer fills the user in, with
`identify`, in its one hop (bench/README.md, runs J and L).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from channels.auth import UserLazyObject
from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.utils.functional import empty

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from chatsite.typing import User


class SessionAuthMiddleware:
    """scope["session"] from the session cookie, read on first use; scope["user"] stays
    unresolved until the consumer calls `identify` (reading it before raises, as Channels'
    own lazy user does)."""

    _asgi_single_callable = True  # for asgiref, which takes a plain __call__ for ASGI 2's

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        # Not async: the inner application's coroutine is handed back to be awaited by
        # the caller, so an idle socket holds no suspended frame of this middleware.
        header = b"; ".join(value for name, value in scope.get("headers", ()) if name == b"cookie")
        session_key = parse_cookie(header.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
        scope = {**scope, "session": self.session_store(session_key), "user": UserLazyObject()}
        return self.inner(scope, receive, send)


def identify(scope: dict[str, Any]) -> User | AnonymousUser:
    """The user the scope's session is signed in as (AnonymousUser if none, or if the
    session no longer matches the password), now also the scope's; or the scope's user
    as it is, if something resolved it already (Channels' own AuthMiddleware, a test).
    Database code: call it from the database thread (database_sync_to_async)."""
    user = scope["user"]
    if not isinstance(user, UserLazyObject):
        return user
    if user._wrapped is empty:
        request = HttpRequest()
        request.session = scope["session"]
        # Django's own check, as for a page: backend, user, and the session's password hash.
        user._wrapped = auth.get_user(request)
    return user._wrapped
