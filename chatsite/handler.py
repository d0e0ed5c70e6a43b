"""Django's ASGI handler, with each request served in one hop into a worker thread.

Every view of the chat is synchronous (the ORM). Django's own ASGI handler still runs a
request as async code that reaches into threads: it sends `request_started` through one
hop, runs the middleware in a second (or a dozen, one per middleware, if they run async),
comes back to the event loop below the last middleware and goes into the thread again for
the view, and closes the response in one more hop. Each request also gets a thread of its
own, started and joined (`ThreadSensitiveContext`), and a task that watches for the
client going away, which cannot stop a view already running in a thread.

Here the body is read on the event loop, and everything from `request_started` to
`request_finished` runs in one call, in the event loop's pool of kept threads, as a
threaded WSGI server runs it; the response is then written on the loop. A streaming
response (a file) is closed once it is written, as Django does. bench/README.md ("Run O")
has what it saved.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

Scope = dict[str, Any]


class OneHopHandler(ASGIHandler):
    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await sync_to_async(self.serve, thread_sensitive=False)(scope, body_file)
            if not response.streaming:
                await self.send_response(response, send)
                return
            # A file is read in a thread as it is written, one chunk at a time; its own
            # context keeps those reads off the thread every socket's database calls share.
            async with ThreadSensitiveContext():
                try:
                    await self.send_response(response, send)
                finally:
                    await sync_to_async(response.close)()
        finally:
            body_file.close()

    def serve(self, scope: Scope, body_file: Any) -> HttpResponseBase:
        """The response to the request: run in a worker thread, from `request_started` to
        `request_finished` (which `response.close()` sends) unless it streams."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        assert response is not None
        if not response.streaming:
            response.close()
        return response
