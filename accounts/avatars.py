"""Avatars: an upload is decoded and drawn anew as a 256 px square PNG, or a person without one
gets their initials on a colour of their own.

An upload is judged by decoding it, never by its name or declared type: at most
MAX_BYTES, a PNG, JPEG, GIF or WebP that Pillow decodes whole, of at most MAX_PIXELS
(Pillow's MAX_IMAGE_PIXELS guards against bombs too), and with no markup in it, so that a
file that is also an HTML page (a GIF/HTML polyglot) is refused, not stored. What is stored
is only the pixels, re-encoded: no metadata, comments or trailing bytes survive.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

SIZE = 256
MAX_BYTES = 2 * 1024 * 1024
# 24 megapixels: any camera's photo, and a decoded size (about 100 MiB) a server can hold.
MAX_PIXELS = 24_000_000
FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
# What makes a file a web page too: tags that run script or load anything, an XML prologue.
MARKUP = re.compile(
    rb"<(?:script|html|body|head|iframe|object|embed|svg|style|meta|link|form|img|!doctype|\?xml)[\s/>]",
    re.IGNORECASE,
)
# Colours for initials, each dark enough for white text (contrast over 4.5:1).
HUES = 12

NOT_AN_IMAGE = _("Upload a picture: a PNG, JPEG, GIF or WebP image.")
TOO_BIG = _("The picture is larger than 2 MiB. Upload a smaller one.")
TOO_MANY_PIXELS = _("The picture has too many pixels. Upload a smaller one.")
DAMAGED = _("The picture could not be read whole: it seems damaged. Try another one.")
HAS_MARKUP = _("The file holds more than a picture. Save it again as a plain image.")


def normalized(upload: UploadedFile) -> ContentFile:
    """The upload drawn as a SIZE px square PNG; ValidationError (with a message for the
    form) if it is not a picture this site takes."""
    if upload.size is None or upload.size > MAX_BYTES:
        raise ValidationError(TOO_BIG, code="too_big")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_BIG, code="too_big")
    if MARKUP.search(data):
        raise ValidationError(HAS_MARKUP, code="markup")
    image = decoded(data)
    image = ImageOps.exif_transpose(image)  # as the camera held it; the EXIF goes
    image = image.convert("RGBA" if has_transparency(image) else "RGB")
    square = ImageOps.fit(image, (SIZE, SIZE), Image.Resampling.LANCZOS)
    encoded = BytesIO()
    square.save(encoded, "PNG", optimize=True)
    return ContentFile(encoded.getvalue())


def decoded(data: bytes) -> Image.Image:
    """The first frame of the image in `data`, decoded whole."""
    try:
        with warnings.catch_warnings():
            # Over MAX_IMAGE_PIXELS Pillow warns (and refuses past twice that): refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            if image.format not in FORMATS:
                raise ValidationError(NOT_AN_IMAGE, code="format")
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(TOO_MANY_PIXELS, code="pixels")
            image.load()  # decodes: a truncated or corrupt file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(TOO_MANY_PIXELS, code="pixels") from None
    except UnidentifiedImageError:
        raise ValidationError(NOT_AN_IMAGE, code="format") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(DAMAGED, code="damaged") from None
    return image


def has_transparency(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info


def initials(name: str) -> str:
    """Up to two letters for `name`: the first of its first and last words."""
    words = [word for word in re.split(r"[\s._\-@+]+", name) if word]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def hue(username: str) -> int:
    """A colour (0..HUES-1) of the person's own, the same on every page and every server."""
    return hashlib.sha256(username.casefold().encode()).digest()[0] % HUES
