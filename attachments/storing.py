"""A message's files in storage: written before the message's transaction (inspecting and
drawing previews takes time no database lock should wait on), saved with it, and removed
once a deletion commits.

    with storing.stored(files) as pending:      # inspected, written to storage
        with transaction.atomic():
            message.save()
            storing.attach(message, pending)     # rows saved with the message

Whatever the block does not save (it raised, or stored no message) is removed again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from attachments.inspection import inspect
from attachments.models import Attachment
from attachments.names import clean_name, search_text

if TYPE_CHECKING:
    from rooms.models import Message

logger = logging.getLogger(__name__)


@contextmanager
def stored(uploads: Sequence[UploadedFile]) -> Iterator[list[Attachment]]:
    """Unsaved attachments for `uploads`, in order, their files already in storage."""
    pending: list[Attachment] = []
    try:
        for position, upload in enumerate(uploads):
            pending.append(_store(upload, position))
        yield pending
    except BaseException:
        delete_stored(name for attachment in pending for name in attachment.stored_names())
        raise
    unsaved = [attachment for attachment in pending if attachment.pk is None]
    delete_stored(name for attachment in unsaved for name in attachment.stored_names())


def attach(message: Message, pending: list[Attachment]) -> None:
    """Save `pending` as `message`'s files (inside the message's transaction)."""
    for attachment in pending:
        attachment.message = message
    Attachment.objects.bulk_create(pending)


def detach_all(message: Message) -> None:
    """Delete `message`'s files: the rows now, the stored files once this commits
    (attachments.signals; so does any other deletion, a room's say)."""
    Attachment.objects.filter(message=message).delete()


def delete_stored(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError as error:  # the row is gone either way; say what was left behind
            logger.error("Attachment file %s not deleted: %s", name, error)


def delete_stored_on_commit(attachment: Attachment) -> None:
    names = attachment.stored_names()
    if names:
        transaction.on_commit(lambda: delete_stored(names))


def _store(upload: UploadedFile, position: int) -> Attachment:
    what = inspect(upload)
    name = clean_name(upload.name or "")
    attachment = Attachment(
        name=name,
        search_text=search_text(name),
        size=upload.size or 0,
        kind=what.kind,
        content_type=what.content_type,
        position=position,
    )
    # Under a new random name (attachments.models.stored_name), never the sender's.
    attachment.file.save("upload", upload, save=False)
    try:
        if what.preview is not None:
            attachment.preview.save("preview", what.preview, save=False)
    except BaseException:
        delete_stored(attachment.stored_names())
        raise
    return attachment
