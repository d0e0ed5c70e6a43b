"""Files to send as attachments, made in code: ordinary images, video and audio (each as
its signatures make it, which is how the site tells), and the hostile corpus of issue 13.

Each `Sample` is a name, the bytes, the type its sender claims and what the site must make
of it: the kind it is stored as, or the form error code it is refused with.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from io import BytesIO

from PIL import Image


def encoded(image: Image.Image, format: str, **options: object) -> bytes:
    out = BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def noise(width: int, height: int) -> Image.Image:
    return Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))


def png(width: int = 64, height: int = 48, color: tuple = (200, 30, 30)) -> bytes:
    return encoded(Image.new("RGB", (width, height), color), "PNG")


def photo(width: int = 1600, height: int = 1200, orientation: int = 6) -> bytes:
    """A JPEG as a camera writes it: EXIF with an orientation (6: turned a quarter clockwise),
    a camera model and a GPS position, which no preview may keep."""
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x0110] = "Secret Camera 3000"  # Model
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPSInfo: where it was taken
    return encoded(noise(width, height), "JPEG", quality=70, exif=exif.tobytes())


def gif(width: int = 40, height: int = 30) -> bytes:
    return encoded(Image.new("P", (width, height), 3), "GIF")


def webp(width: int = 120, height: int = 90) -> bytes:
    return encoded(Image.new("RGBA", (width, height), (0, 120, 200, 128)), "WEBP")


def mp4(size: int = 200_000) -> bytes:
    """An MP4 as its signature makes it (an `ftyp` box of brand isom), padded to `size`."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2"
    body = bytes(range(256)) * (size // 256 + 1)
    return (ftyp + struct.pack(">I", 8 + len(body)) + b"mdat" + body)[:size]


def webm() -> bytes:
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\0" * 2000


def mp3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 1000


def ogg() -> bytes:
    return b"OggS\x00\x02" + b"\0" * 2000


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels with almost no data: a decompression
    bomb needs no more to exhaust a server that decodes it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 65536, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)


def gif_javascript_polyglot() -> bytes:
    """A GIF that is also a script: its width's bytes are `/*`, so `GIF89a/*...*/=alert(1);`
    parses as JavaScript, and Pillow still decodes it as a GIF."""
    image = encoded(Image.new("P", (0x2A2F, 1), 0), "GIF")
    assert image[6:8] == b"/*"  # the width, 0x2a2f, little-endian
    assert b"*/" not in image  # the comment runs to the end of the GIF
    return image + b"*/=alert(document.cookie);"


@dataclass(frozen=True)
class Sample:
    name: str
    data: bytes
    content_type: str
    # The kind it is stored as ("image", "video", "audio", "file"), or None if refused.
    kind: str | None
    # The form error code it is refused with.
    refused: str | None = None


def ordinary() -> list[Sample]:
    return [
        Sample("red.png", png(), "image/png", "image"),
        Sample("photo.jpg", photo(), "image/jpeg", "image"),
        Sample("wave.gif", gif(), "image/gif", "image"),
        Sample("glass.webp", webp(), "image/webp", "image"),
        Sample("clip.mp4", mp4(), "video/mp4", "video"),
        Sample("clip.webm", webm(), "video/webm", "video"),
        Sample("song.mp3", mp3(), "audio/mpeg", "audio"),
        Sample("song.ogg", ogg(), "audio/ogg", "audio"),
        Sample("notes.txt", b"Remember the milk.\n", "text/plain", "file"),
        Sample(
            "report.pdf",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
            "application/pdf",
            "file",
        ),
    ]


def hostile() -> list[Sample]:
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    )
    return [
        Sample("cat.png", html, "image/png", "file"),
        Sample("polyglot.gif", gif_javascript_polyglot(), "image/gif", "image"),
        Sample("gif-html.gif", gif() + html, "image/gif", "file"),
        Sample("logo.svg", svg, "image/svg+xml", "file"),
        Sample("page.html", html, "text/html", "file"),
        Sample(
            "feed.xml",
            b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
            "application/xml",
            "file",
        ),
        Sample("bomb.png", png_header_only(30_000, 30_000), "image/png", "file"),
        Sample("truncated.jpg", encoded(noise(400, 400), "JPEG")[:5_000], "image/jpeg", "file"),
        Sample("empty.txt", b"", "text/plain", None, refused="empty"),
        Sample("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "text/plain", "file"),
        Sample("invoice\u202efdp.exe", b"MZ\x90\x00" + b"\0" * 60, "application/pdf", "file"),
        Sample("bell\x07\x1b[31mred.txt", b"ding\n", "text/plain", "file"),
    ]


def multipart(
    fields: dict[str, str], files: list[tuple[str, str, bytes, str]]
) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it, and its content type: `files` as
    (field, file name, data, content type), the name written as given (UTF-8, unfiltered),
    which Django's test client would reduce to its last path part first."""
    boundary = "----attachment-corpus-" + os.urandom(8).hex()
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(head.encode() + value.encode() + b"\r\n")
    for field, filename, data, content_type in files:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{quoted}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
