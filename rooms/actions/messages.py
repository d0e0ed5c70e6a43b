from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from attachments import storing
from rooms import broadcast, signals
from rooms.models import Message, Room

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from chatsite.typing import User


def post_message(
    room: Room,
    author: User,
    body: str,
    client_key: uuid.UUID | None = None,
    files: Sequence[UploadedFile] = (),
    reply_to: Message | None = None,
) -> Message:
    """Store a message, with `files` if any, and, once the transaction commits, send it to
    every open page. A reply quotes `reply_to` (a message of the same room).

    Posting again with the same `client_key` (a retry) returns the first message and
    stores and sends nothing more.
    """
    if client_key is not None and files:
        # Checked first only when there are files to store: otherwise the unique key
        # catches a retry below, without a query for every post.
        existing = room.messages.filter(author=author, client_key=client_key).first()
        if existing is not None:
            return existing
    # The files are written before the transaction and removed if it stores nothing.
    with storing.stored(files) as pending:
        try:
            with transaction.atomic():
                now = timezone.now()
                message = Message(
                    room=room, author=author, created_at=now, client_key=client_key or uuid.uuid4()
                )
                message.set_body(body, room)
                if reply_to is not None:
                    # A snapshot of what it answers: later edits of the original leave it.
                    message.reply_to, message.reply_excerpt = reply_to, reply_to.excerpt()
                message.revision = room.next_revision(last_message_at=now)
                message.save()
                storing.attach(message, pending)
                if message.mention_names:  # a new message has no mentions stored to clear
                    message.save_mentions()
                transaction.on_commit(lambda: _posted(message, files=bool(files)))
        except IntegrityError:
            # A concurrent retry with the same key stored it first.
            if client_key is None:
                raise
            return room.messages.get(author=author, client_key=client_key)
    return message


def edit_message(message: Message, body: str) -> None:
    with transaction.atomic():
        message.set_body(body)
        message.edited_at = timezone.now()
        revise(message, "body", "body_html", "mention_names", "edited_at")
        message.save_mentions()
        transaction.on_commit(lambda: signals.message_edited.send(sender=Message, message=message))


def delete_message(message: Message) -> None:
    """Blank the message for everyone, keeping a tombstone (Message.blank); its files go
    once this commits."""
    with transaction.atomic():
        storing.detach_all(message)
        message.blank()
        revise(message, "body", "body_html", "mention_names", "deleted_at")
        message.mentions.clear()
        transaction.on_commit(lambda: signals.message_deleted.send(sender=Message, message=message))
        if message.pinned_at is not None:  # it leaves the room's "Pinned" panel
            transaction.on_commit(lambda: broadcast.room_header_changed(message.room))


def revise(message: Message, *fields: str) -> None:
    """Save `fields` as the message's next revision, sent to every open page on commit.

    Call it in a transaction. Changes made by other apps (a link card arriving) use it too,
    so that pages and catch-ups see them as one more revision of the message.
    """
    message.revision = message.room.next_revision()
    message.save(update_fields=[*fields, "revision"])
    transaction.on_commit(lambda: broadcast.message_changed(message))


def _posted(message: Message, *, files: bool) -> None:
    with message.just_posted(files=files):
        broadcast.message_posted(message)
    signals.message_posted.send(sender=Message, message=message)
