"""Who a socket belongs to, read in the same database hop as what its consumer looks up.

Channels' AuthMiddleware reads the session and the user in a hop to the database thread of
their own, and the consumer then makes another for what it needs on connect (the room, say).
Each hop is a thread switch and a connection taken and given back; on SQLite, where the file
is opened each time, that opening alone was 14 % of a connect's CPU (bench/README.md, run
J). Here the middleware only puts the lazy user in the scope, and the consumer fills it in, with
`identify`, in its one hop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from channels.auth import AuthMiddleware, UserLazyObject
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib import auth
from django.http import HttpRequest
from django.utils.functional import empty

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from chatsite.typing import User


class DeferredAuthMiddleware(AuthMiddleware):
    """scope["user"] stays unresolved until the consumer calls `identify`; reading it
    before raises, as Channels' own lazy user does."""

    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        return None


def deferred_auth_stack(inner: Any) -> CookieMiddleware:
    """Channels' AuthMiddlewareStack, with the user left to the consumer."""
    return CookieMiddleware(SessionMiddleware(DeferredAuthMiddleware(inner)))


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
