"""File responses, once the view has checked that the person may see the room.

Every response carries what keeps its file harmless on this origin, whatever is in it:
`X-Content-Type-Options: nosniff` (the type is ours, decided by content, never guessed by
the browser), the policy `default-src 'none'; sandbox` (attachments.views: a file opened as
a page runs nothing and reaches nothing), and `Content-Disposition: attachment` for all
but the images, video and audio shown in the page, which are sent as what they are.

The bytes come from the app, ranges included (attachments.ranges), or, with
ATTACHMENT_ACCEL_REDIRECT set, from the proxy in front (nginx's X-Accel-Redirect: this
answer names the stored file and the proxy sends it, ranges and all; README, "Files").
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import Storage
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header, parse_etags, quote_etag

from attachments.ranges import ByteRange, Unsatisfiable, async_chunks, chunks, requested

# Files never change under their URL; access may end, but what was fetched was seen.
CACHE_CONTROL = "private, max-age=86400"


@dataclass(frozen=True)
class Stored:
    storage: Storage
    name: str  # in storage
    content_type: str
    filename: str  # as Content-Disposition names it
    inline: bool
    # Different for every file and version: the attachment's id and which of its files.
    etag: str


def respond(request: HttpRequest, stored: Stored) -> HttpResponseBase:
    etag = quote_etag(stored.etag)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return _with_headers(HttpResponse(status=304), stored, etag)
    if settings.ATTACHMENT_ACCEL_REDIRECT:
        response = HttpResponse()
        response["X-Accel-Redirect"] = settings.ATTACHMENT_ACCEL_REDIRECT + quote(stored.name)
        return _with_headers(response, stored, etag)
    size = stored.storage.size(stored.name)  # OSError (gone): the view's 404
    # A range is for the version it was asked of (If-Range); for another, the whole file.
    if_range = request.headers.get("If-Range")
    header = request.headers.get("Range") if if_range in (None, etag) else None
    try:
        part = requested(header, size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _with_headers(response, stored, etag)
    span = part or ByteRange(0, size - 1)
    streamed = StreamingHttpResponse(
        _body(request, stored, span) if request.method != "HEAD" else iter(()),
        status=206 if part else 200,
    )
    streamed["Content-Length"] = str(span.length)
    if part:
        streamed["Content-Range"] = part.content_range(size)
    return _with_headers(streamed, stored, etag)


def _body(request: HttpRequest, stored: Stored, span: ByteRange):
    def open_file():
        return stored.storage.open(stored.name, "rb")

    if span.length <= 0:
        return iter(())
    if isinstance(request, ASGIRequest):
        return async_chunks(open_file, span.start, span.length)
    return chunks(open_file, span.start, span.length)


def _with_headers(response: HttpResponse | StreamingHttpResponse, stored: Stored, etag: str):
    response["Content-Type"] = stored.content_type
    disposition = content_disposition_header(not stored.inline, stored.filename)
    response["Content-Disposition"] = disposition or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    # Other sites may not embed these files, even for someone who may see them.
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = CACHE_CONTROL
    response["ETag"] = etag
    return response
