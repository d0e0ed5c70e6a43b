"""Error pages for requests refused before any view runs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400, or 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE: nothing of it was read."""
    too_big = isinstance(exception, RequestDataTooBig)
    context = {"too_big": too_big, "max_length": settings.MESSAGE_MAX_LENGTH}
    return render(request, "400.html", context, status=413 if too_big else 400)
