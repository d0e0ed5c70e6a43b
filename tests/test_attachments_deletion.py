"""Deleting files (issue 13): deleting a message deletes its stored files once the deletion
commits (not before, and not at all if it rolls back), as does deleting its room; files
written for a message that is then not stored are removed again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from attachments import storing
from attachments.models import Attachment
from rooms.actions import delete_message, post_message
from rooms.models import Message, Room
from support.attachment_corpus import png

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def with_files(room, author, count: int = 2) -> Message:
    files = [SimpleUploadedFile(f"pic{n}.png", png()) for n in range(count)]
    return post_message(room, author, "pictures", files=files)


def test_deleting_a_message_deletes_its_files_once_committed(room, alice, media_root):
    message = with_files(room, alice)
    kept = with_files(room, alice, count=1)
    assert len(stored_files(media_root)) == 6  # each image and its preview
    with transaction.atomic():
        delete_message(message)
        # Asked of the table: the instance keeps what it loaded to render its fragment.
        assert not Attachment.objects.filter(message=message).exists()
        assert len(stored_files(media_root)) == 6  # still there until the commit
    assert not Attachment.objects.filter(message=message).exists()
    remaining = kept.attachments.get()
    assert {p.relative_to(media_root).as_posix() for p in stored_files(media_root)} == {
        remaining.file.name,
        remaining.preview.name,
    }


def test_a_deletion_rolled_back_keeps_the_files(room, alice, media_root):
    message = with_files(room, alice)

    def delete_then_fail() -> None:
        with transaction.atomic():
            delete_message(message)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert message.attachments.count() == 2
    assert len(stored_files(media_root)) == 4


def test_deleting_through_the_page_deletes_the_files(room, alice, alice_client, media_root):
    message = with_files(room, alice)
    response = alice_client.post(f"/chat/general/messages/{message.pk}/delete/")
    assert response.status_code == 302
    assert stored_files(media_root) == []
    message.refresh_from_db()
    assert message.is_deleted


def test_deleting_a_room_deletes_the_files_of_its_messages(room, alice, media_root):
    with_files(room, alice)
    Room.objects.filter(pk=room.pk).delete()
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_files_written_for_a_message_that_is_not_stored_are_removed(media_root):
    uploads = [SimpleUploadedFile("a.png", png()), SimpleUploadedFile("b.txt", b"b")]

    def store_then_fail() -> None:
        with storing.stored(uploads):
            assert len(stored_files(media_root)) == 3
            raise RuntimeError("the message failed")

    with pytest.raises(RuntimeError):
        store_then_fail()
    assert stored_files(media_root) == []
    # Nor does any stay that the block left unsaved.
    with storing.stored([SimpleUploadedFile("c.txt", b"c")]) as pending:
        assert pending[0].pk is None
    assert stored_files(media_root) == []
