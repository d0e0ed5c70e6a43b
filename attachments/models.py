from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attachments.names import fold, search_text

if TYPE_CHECKING:
    from rooms.models import Message


def stored_name(instance: object, filename: str) -> str:
    """A new random name under attachments/<year>/<month>/, never the sender's: names they
    choose could collide, climb out of the folder, or tell a proxy what type to serve."""
    return timezone.now().strftime("attachments/%Y/%m/") + uuid.uuid4().hex


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def naming(self, words: list[str]) -> Q:
        """Messages with files whose names hold every one of `words` (each starting a word of
        some file's name), as a condition on messages."""
        condition = Q()
        for word in words:
            named = self.filter(search_text__contains=" " + fold(word)).values("message_id")
            condition &= Q(pk__in=named)
        return condition


class Attachment(models.Model):
    """A file sent with a message. Its kind is decided by its content, never its name."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        FILE = "file", _("File")

    message = models.ForeignKey(
        "rooms.Message", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=stored_name, max_length=255)
    # The name as sent, cleaned for display and for Content-Disposition (attachments.names).
    name = models.CharField(max_length=255)
    # The name's words for search (attachments.names.search_text).
    search_text = models.CharField(max_length=512, default="", editable=False)
    size = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.FILE)
    # What the content is (for images, video and audio, what it is served as).
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    # Images only: at most 1200 x 800, drawn anew as WebP without metadata.
    preview = models.ImageField(
        upload_to=stored_name,
        blank=True,
        max_length=255,
        width_field="preview_width",
        height_field="preview_height",
    )
    preview_width = models.PositiveIntegerField(null=True, blank=True)
    preview_height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = AttachmentQuerySet.as_manager()

    if TYPE_CHECKING:
        message_id: int

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = search_text(self.name)
        super().save(*args, **kwargs)

    @property
    def shown_inline(self) -> bool:
        """Images, video and audio are shown in the page; everything else is downloaded."""
        return self.kind != self.Kind.FILE

    def url_in(self, message: Message, preview: bool = False) -> str:
        """Where the file (or its preview) is served: under its room, as the room is guarded."""
        view = "attachments:preview" if preview else "attachments:file"
        return reverse(view, args=[message.room.name, self.pk, self.name])

    def stored_names(self) -> list[str]:
        """Every name this attachment occupies in storage."""
        return [field.name for field in (self.file, self.preview) if field and field.name]
