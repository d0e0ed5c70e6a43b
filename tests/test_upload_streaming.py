"""Large uploads stream to disk (issue 13): a message's file bigger than
FILE_UPLOAD_MAX_MEMORY_SIZE arrives in a temporary file (Django's TemporaryUploadedFile,
"*.upload" in FILE_UPLOAD_TEMP_DIR), which storage then moves into place, never read back
whole. Seen through Python's audit events (support.audit), raised by tempfile and os.rename
themselves, through the real view; a small upload, kept in memory, makes neither."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.conf import settings

from attachments.models import Attachment
from support.attachment_corpus import multipart
from support.audit import recording

URL = "/chat/general/messages/"


@pytest.fixture
def uploading(settings, tmp_path) -> Path:
    """Where uploads in progress go: next to MEDIA_ROOT, on the same file system."""
    folder = tmp_path / "uploading"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def send_file(client, data: bytes):
    body, content_type = multipart(
        {"body": "the data"}, [("attachments", "data.bin", data, "application/octet-stream")]
    )
    return client.post(URL, body, content_type=content_type, headers={"HX-Request": "true"})


@pytest.mark.parametrize("times", [4, 40], ids=["1 MiB", "10 MiB"])
def test_a_file_over_the_memory_limit_arrives_on_disk_and_is_moved_into_storage(
    alice_client, room, media_root, uploading, times
):
    size = settings.FILE_UPLOAD_MAX_MEMORY_SIZE * times
    assert size < settings.ATTACHMENT_MAX_BYTES
    data = random.Random(times).randbytes(size)  # not an image: nothing decodes it whole
    with recording("tempfile.mkstemp", "os.rename") as seen:
        response = send_file(alice_client, data)
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert (attachment.size, attachment.kind) == (size, "file")
    assert Path(attachment.file.path).read_bytes() == data
    [temporary] = [Path(path) for (path, *_) in seen.of("tempfile.mkstemp")]
    assert temporary.parent == uploading
    assert temporary.name.endswith(".upload.bin")  # TemporaryUploadedFile's
    moves = [(Path(source), Path(target)) for (source, target, *_) in seen.of("os.rename")]
    assert moves == [(temporary, Path(attachment.file.path))]
    assert list(uploading.iterdir()) == []


def test_a_small_file_stays_in_memory_and_makes_no_temporary_file(
    alice_client, room, media_root, uploading
):
    data = random.Random(1).randbytes(settings.FILE_UPLOAD_MAX_MEMORY_SIZE // 4)
    with recording("tempfile.mkstemp", "os.rename") as seen:
        response = send_file(alice_client, data)
    assert response.status_code == 200
    assert Path(Attachment.objects.get().file.path).read_bytes() == data
    assert seen.of("tempfile.mkstemp") == []
    assert seen.of("os.rename") == []
