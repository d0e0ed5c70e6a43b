"""A card's picture: the page's image decoded by Pillow and drawn anew as a small thumbnail.

Decoding is accounts.avatars.decoded's (PNG, JPEG, GIF or WebP only, decoded whole, at most
its MAX_PIXELS, decompression bombs refused); what is stored is only the pixels, re-encoded
(JPEG, or PNG where there is transparency) into a new image, so no metadata survives.
Pages then load it from this site (MEDIA_URL), and the CSP keeps img-src 'self'.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps

from accounts.avatars import decoded, has_transparency

# The largest a card shows it (Open Graph's usual 1.91:1), in pixels.
MAX_SIZE = (600, 315)
# The most of an image fetched: outbound HTTP's one limit (issue 13: every fetch reads at
# most 1 MiB); a page's picture is rarely more than a few hundred KiB.
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    extension: str  # "jpg" or "png"
    width: int
    height: int


def thumbnail(data: bytes) -> Thumbnail | None:
    """The image in `data` drawn as a thumbnail of at most MAX_SIZE, or None when it is
    not an image this site takes."""
    try:
        image = decoded(data)
        image = ImageOps.exif_transpose(image)  # as the camera held it; the EXIF goes
    except (ValidationError, OSError, ValueError):
        return None
    transparent = has_transparency(image)
    image = image.convert("RGBA" if transparent else "RGB")
    image.thumbnail(MAX_SIZE, Image.Resampling.LANCZOS)
    # A fresh image holds the pixels alone: nothing of the original's info dict is saved.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    encoded = BytesIO()
    if transparent:
        clean.save(encoded, "PNG", optimize=True)
        return Thumbnail(encoded.getvalue(), "png", *clean.size)
    clean.save(encoded, "JPEG", quality=85, optimize=True)
    return Thumbnail(encoded.getvalue(), "jpg", *clean.size)
