from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LinkCard(models.Model):
    """The preview of a message's first link, fetched in the background after it is posted."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        REMOVED = "removed", _("Removed")

    message = models.OneToOneField(
        "rooms.Message", on_delete=models.CASCADE, related_name="link_card"
    )
    url = models.URLField(max_length=2000)
    state = models.CharField(max_length=7, choices=State.choices, default=State.PENDING)
    title = models.CharField(max_length=300, blank=True)
    description = models.CharField(max_length=500, blank=True)
    site_name = models.CharField(max_length=200, blank=True)
    # A thumbnail drawn anew from the page's image (previews/images.py), stored by this site.
    image = models.ImageField(
        upload_to="previews/",
        blank=True,
        max_length=255,
        width_field="image_width",
        height_field="image_height",
    )
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.url

    @property
    def is_shown(self) -> bool:
        """Whether pages show the card: only once fetched, and until its author removes it."""
        return self.state == self.State.READY
