"""Files under their room: /chat/<room>/files/<id>/<name> and, for images, .../preview/<name>.
Whoever may not see the room gets 404, exactly as for the room itself; the name in the URL is
only for people (and saved downloads): the id decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from csp.constants import NONE
from csp.decorators import csp
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from attachments.models import Attachment
from attachments.serving import Stored, respond
from chatsite.typing import AuthenticatedRequest
from rooms.views.access import visible_room

# A file opened as a page (an HTML file, an SVG) loads nothing and runs nothing.
FILE_POLICY = {"default-src": [NONE], "sandbox": True}
# django-csp's hints take views of a request alone; these take the URL's parts too.
file_policy = cast(Callable[[Any], Any], csp(FILE_POLICY))
DOWNLOAD_TYPE = "application/octet-stream"


def find_attachment(request: AuthenticatedRequest, name: str, pk: int) -> Attachment:
    return get_object_or_404(
        Attachment.objects.select_related("message"),
        pk=pk,
        message__room=visible_room(request, name),
        message__deleted_at__isnull=True,
    )


@login_required
@require_safe
@file_policy
def file(request: AuthenticatedRequest, name: str, pk: int, filename: str) -> HttpResponseBase:
    """The file as sent: shown inline if it is an image, video or audio, unless ?download."""
    attachment = find_attachment(request, name, pk)
    inline = attachment.shown_inline and "download" not in request.GET
    stored = Stored(
        storage=attachment.file.storage,
        name=attachment.file.name,
        # Anything not shown inline is only ever bytes to save.
        content_type=attachment.content_type if attachment.shown_inline else DOWNLOAD_TYPE,
        filename=attachment.name,
        inline=inline,
        etag=f"{attachment.pk}-file",
    )
    return _respond(request, stored)


@login_required
@require_safe
@file_policy
def preview(request: AuthenticatedRequest, name: str, pk: int, filename: str) -> HttpResponseBase:
    """An image's preview (WebP, at most 1200 x 800, without metadata)."""
    attachment = find_attachment(request, name, pk)
    if not attachment.preview:
        raise Http404
    stored = Stored(
        storage=attachment.preview.storage,
        name=attachment.preview.name,
        content_type="image/webp",
        filename=attachment.name,
        inline=True,
        etag=f"{attachment.pk}-preview",
    )
    return _respond(request, stored)


def _respond(request: AuthenticatedRequest, stored: Stored) -> HttpResponseBase:
    try:
        return respond(request, stored)
    except OSError:  # the row outlived its file (removed by hand, a storage outage)
        raise Http404 from None
