"""Views for tests/test_handler.py: where a request runs, a file, an upload, an error."""

from __future__ import annotations

import io
import threading

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


def thread(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(threading.get_ident()))


def file(request: HttpRequest) -> FileResponse:
    return FileResponse(io.BytesIO(bytes(range(256)) * 1024), filename="data.bin")


@csrf_exempt
def upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(request.FILES["file"].size))


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [
    path("thread/", thread),
    path("file/", file),
    path("upload/", upload),
    path("boom/", boom),
]
