from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    file = models.FileField(max_length=255)
    # The name as sent, cleaned for display and for Content-Disposition.
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.FILE)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    preview = models.ImageField(
        blank=True, max_length=255, width_field="preview_width", height_field="preview_height"
    )
    preview_width = models.PositiveIntegerField(null=True, blank=True)
    preview_height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name
