"""Keeps every middleware of an HTTP request in one worker thread.

Django runs a middleware in async mode when it can and the one below it is async. Under ASGI
the bottom of the stack is async, so each of Django's own middleware (`MiddlewareMixin`)
would run async, and it then calls its `process_request`/`process_response` hooks through
`sync_to_async`: two thread hops per middleware, a dozen per request. Everything the chat's
views do is synchronous anyway (the ORM), so this sync-only middleware, last in
MIDDLEWARE, makes every one above it run synchronously: one hop into a thread for the whole
stack, and one back to the event loop to reach the view. bench/README.md has the numbers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


class SynchronousStack:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)
