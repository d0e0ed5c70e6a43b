"""Uploaded files (avatars) from STORAGES["default"], when this app serves them
(settings.SERVE_MEDIA; a proxy or a bucket may instead: README "Production")."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

# Only what this site wrote, under new names, never overwritten: avatars (PNGs) and link
# cards' pictures (previews/images.py: JPEG or PNG thumbnails of public pages' images).
SERVED = ("avatars/", "previews/")


@require_GET
def media(request: HttpRequest, path: str) -> FileResponse:
    if not settings.SERVE_MEDIA or not path.startswith(SERVED) or ".." in path.split("/"):
        raise Http404
    if not default_storage.exists(path):
        raise Http404
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(path), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
