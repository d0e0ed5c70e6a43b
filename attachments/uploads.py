"""The upload limits, enforced while a request's files arrive: a file is dropped (SkipFile)
as soon as it passes ATTACHMENT_MAX_BYTES, so no oversized file is ever kept whole, and so
is every file past the ATTACHMENT_MAX_FILES-th, or of a request larger than all of them
together could be. Parsing goes on without them, so the text typed is kept for the form,
which then refuses the message (attachments.forms) with what was wrong; nothing is stored.

What arrives goes to disk past FILE_UPLOAD_MAX_MEMORY_SIZE (Django's own handlers, after
this one), never whole into memory. Install the limits with `@with_upload_limits`: they
must be in place before anything reads the body, the CSRF check included.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# The composer's file field; files under any other name are dropped unread.
FIELD = "attachments"
# What multipart adds around each file (its boundary and part headers), at most.
PART_OVERHEAD = 16 * 1024


def max_request_bytes() -> int:
    """The largest request that can carry the most files of the largest size, and text.
    A proxy in front must let this much through (README, "Files")."""
    files = settings.ATTACHMENT_MAX_FILES * (settings.ATTACHMENT_MAX_BYTES + PART_OVERHEAD)
    return files + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class UploadLimits(FileUploadHandler):
    """Counts the request's files and each one's bytes as they arrive; drops what is over."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.max_bytes: int = settings.ATTACHMENT_MAX_BYTES
        self.max_files: int = settings.ATTACHMENT_MAX_FILES
        self.files = 0
        # The (raw) name of the first file found larger than max_bytes.
        self.too_big: str | None = None
        self.request_too_big = False

    @classmethod
    def of(cls, request: HttpRequest) -> UploadLimits | None:
        return next((h for h in request.upload_handlers if isinstance(h, cls)), None)

    @property
    def too_many(self) -> bool:
        return self.files > self.max_files

    @property
    def refusing(self) -> bool:
        return self.request_too_big or self.too_big is not None or self.too_many

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_too_big = content_length > max_request_bytes()
        return None  # parse as usual, the files dropped

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        if field_name != FIELD:
            raise SkipFile
        self.files += 1
        if self.refusing:
            raise SkipFile  # nothing more of a message that will be refused is kept

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.too_big = self.file_name
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler keeps the file


def with_upload_limits(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`view`, its POSTs parsed under UploadLimits; CSRF is still checked, just after them."""
    protected = csrf_protect(view)

    @csrf_exempt  # only so that the middleware does not read the body first: checked below
    @wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            request.upload_handlers = [UploadLimits(request), *request.upload_handlers]
        return protected(request, *args, **kwargs)

    return limited
