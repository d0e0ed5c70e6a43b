"""The composer's files: a plain <input type="file" multiple>, checked against the limits.

Every refusal names the file and the limit, and says that nothing was sent: a message with
one file over a limit is refused whole (the text typed stays in the composer).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from attachments.names import clean_name
from attachments.uploads import UploadLimits

# Refusals for being over a limit (answered with 413); the others are content (200).
OVER_LIMIT = ("too_big", "too_many", "too_much")
TOO_BIG = _(
    "“%(name)s” is larger than %(limit)s, so nothing was sent. Files are at most %(limit)s."
)
TOO_MANY = _(
    "At most %(limit)d files go with one message (this one had %(count)d), so nothing was sent."
)
TOO_MUCH = _(
    "That was too much to send at once (at most %(files)d files of %(limit)s each), "
    "so nothing was sent."
)
EMPTY = _("“%(name)s” is empty, so nothing was sent.")
TOO_MANY_THIS_HOUR = _(
    "You have sent too many files in the last hour, so nothing was sent. "
    "Wait a while, then send them again."
)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero to ATTACHMENT_MAX_FILES files, none empty, none over ATTACHMENT_MAX_BYTES."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [
            upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload
        ]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        limit, max_files = settings.ATTACHMENT_MAX_BYTES, settings.ATTACHMENT_MAX_FILES
        errors = []
        if len(files) > max_files:
            errors.append(too_many(len(files), max_files))
        for upload in files:
            if upload.size is not None and upload.size > limit:
                errors.append(too_big(upload.name or "", limit))
            elif not upload.size:
                params = {"name": clean_name(upload.name or "")}
                errors.append(ValidationError(EMPTY, code="empty", params=params))
        if errors:
            raise ValidationError(errors)
        return files


def too_big(name: str, limit: int) -> ValidationError:
    params = {"name": clean_name(name), "limit": filesizeformat(limit)}
    return ValidationError(TOO_BIG, code="too_big", params=params)


def too_many(count: int, limit: int) -> ValidationError:
    return ValidationError(TOO_MANY, code="too_many", params={"limit": limit, "count": count})


def refusals(limits: UploadLimits | None) -> list[ValidationError]:
    """What the upload limits dropped while the request arrived (attachments.uploads)."""
    if limits is None:
        return []
    if limits.request_too_big:
        params = {"files": limits.max_files, "limit": filesizeformat(limits.max_bytes)}
        return [ValidationError(TOO_MUCH, code="too_much", params=params)]
    errors = []
    if limits.too_many:
        errors.append(too_many(limits.files, limits.max_files))
    if limits.too_big is not None:
        errors.append(too_big(limits.too_big, limits.max_bytes))
    return errors
