"""Stored files follow their rows: whatever deletes an attachment (a deleted message, or a
room or person deleted with everything in it), its files go once the deletion commits, and
stay if it rolls back."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from attachments.models import Attachment
from attachments.storing import delete_stored_on_commit


@receiver(post_delete, sender=Attachment)
def delete_files(sender: type[Attachment], instance: Attachment, **kwargs: object) -> None:
    delete_stored_on_commit(instance)
