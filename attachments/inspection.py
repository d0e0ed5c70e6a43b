"""What a file is, decided by its content: never by its name or the type its sender declared.

- An image is a PNG, JPEG, GIF or WebP that Pillow decodes whole (accounts.avatars.decoded:
  at most 24 megapixels, so bombs are never decoded) and that holds no markup (a file that
  is also a web page is no image here). It gets a preview, drawn anew.
- Video and audio are MP4, WebM, MP3 and Ogg, as `filetype` recognises them by their
  signatures; browsers play these.
- Everything else, and any image that fails the checks above (truncated, too many pixels,
  a GIF/HTML polyglot, SVG), is a plain file: offered for download, never shown inline.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import filetype  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from PIL import Image, ImageOps

from accounts.avatars import MARKUP, decoded, has_transparency
from attachments.models import Attachment

# The largest preview: the message list shows images at most this big.
PREVIEW_BOX = (1200, 800)
PREVIEW_QUALITY = 82
# What filetype reads to recognise a file (its signatures are all within this).
SIGNATURE_BYTES = 8192
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
PLAYABLE = {
    "video/mp4": Attachment.Kind.VIDEO,
    "video/webm": Attachment.Kind.VIDEO,
    "audio/mpeg": Attachment.Kind.AUDIO,
    "audio/ogg": Attachment.Kind.AUDIO,
}
UNKNOWN = "application/octet-stream"


@dataclass(frozen=True)
class Inspected:
    kind: str
    content_type: str
    # Images only: the preview, encoded (WebP).
    preview: ContentFile | None = None


def inspect(upload: File) -> Inspected:
    """What `upload` is (it is read from the start; its position is left at the start)."""
    upload.seek(0)
    head = upload.read(SIGNATURE_BYTES)
    upload.seek(0)
    guess = filetype.guess_mime(head) if head else None
    if guess in IMAGE_TYPES:
        # Only a file that starts like an image is read whole and decoded.
        preview = _preview(upload.read())
        upload.seek(0)
        if preview is not None:
            return Inspected(Attachment.Kind.IMAGE, guess, preview)
    if guess in PLAYABLE:
        return Inspected(PLAYABLE[guess], guess)
    return Inspected(Attachment.Kind.FILE, guess or UNKNOWN)


def _preview(data: bytes) -> ContentFile | None:
    """The image in `data` drawn anew at most PREVIEW_BOX, upright, without metadata; None
    if it is not an image this site shows."""
    if MARKUP.search(data):
        return None
    try:
        image = decoded(data)
    except ValidationError:
        return None  # not decodable, damaged, or too many pixels: a plain file then
    image = ImageOps.exif_transpose(image)  # as the camera was held
    image = image.convert("RGBA" if has_transparency(image) else "RGB")
    image.thumbnail(PREVIEW_BOX, Image.Resampling.LANCZOS)
    # Only the pixels go on: no EXIF, ICC profile, comments or XMP from the original.
    pixels = Image.frombytes(image.mode, image.size, image.tobytes())
    encoded = BytesIO()
    pixels.save(encoded, "WEBP", quality=PREVIEW_QUALITY, method=4)
    return ContentFile(encoded.getvalue(), name="preview.webp")
