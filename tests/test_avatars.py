"""Avatars: uploads judged by decoding them, drawn anew as 256 px PNGs without metadata; the
hostile corpus (oversize, bombs, truncated, a GIF/HTML polyglot, SVG, mislabelled files)
refused with a form error and nothing stored; served with nosniff; initials otherwise."""

from __future__ import annotations

import os
import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts import avatars
from accounts.models import Profile
from rooms import fragments
from rooms.actions import post_message


def encoded(image: Image.Image, format: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def noise(width: int, height: int) -> Image.Image:
    return Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels: all a bomb needs to be refused on."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def upload(data: bytes, name: str = "me.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


GOOD = {
    "png": lambda: encoded(Image.new("RGBA", (300, 200), (10, 200, 30, 128)), "PNG"),
    "jpeg": lambda: encoded(noise(640, 480), "JPEG", quality=80),
    "gif": lambda: encoded(Image.new("P", (50, 80), 3), "GIF"),
    "webp": lambda: encoded(Image.new("RGB", (120, 120), (1, 2, 3)), "WEBP"),
}

PLAIN_GIF = encoded(Image.new("P", (8, 8), 1), "GIF")
BAD = {
    "over 2 MiB": (lambda: encoded(noise(1100, 1100), "PNG"), avatars.TOO_BIG),
    "a bomb past Pillow's limit": (
        lambda: png_header_only(30_000, 30_000),
        avatars.TOO_MANY_PIXELS,
    ),
    "over Pillow's warning": (lambda: png_header_only(10_000, 9_500), avatars.TOO_MANY_PIXELS),
    "over 24 megapixels": (lambda: png_header_only(6_000, 5_000), avatars.TOO_MANY_PIXELS),
    "a truncated PNG": (lambda: encoded(noise(200, 200), "PNG")[:20_000], avatars.DAMAGED),
    "a truncated JPEG": (lambda: encoded(noise(400, 400), "JPEG")[:5_000], avatars.DAMAGED),
    "a GIF/HTML polyglot": (
        lambda: PLAIN_GIF + b"<html><body><script>alert(document.cookie)</script></body></html>",
        avatars.HAS_MARKUP,
    ),
    "markup in a GIF comment": (
        lambda: encoded(Image.new("P", (8, 8), 1), "GIF", comment=b"<script>alert(1)</script>"),
        avatars.HAS_MARKUP,
    ),
    "an SVG": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        avatars.HAS_MARKUP,
    ),
    "an SVG without script": (
        lambda: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        avatars.HAS_MARKUP,
    ),
    "text named .png": (lambda: b"just some words, not a picture", avatars.NOT_AN_IMAGE),
    "a BMP (decodable, not taken)": (
        lambda: encoded(Image.new("RGB", (4, 4)), "BMP"),
        avatars.NOT_AN_IMAGE,
    ),
    "an empty file": (lambda: b"", avatars.NOT_AN_IMAGE),
}


class TestNormalizing:
    @pytest.mark.parametrize("kind", GOOD)
    def test_good_pictures_become_256_px_pngs(self, kind):
        result = Image.open(BytesIO(avatars.normalized(upload(GOOD[kind]())).read()))
        assert result.format == "PNG"
        assert result.size == (avatars.SIZE, avatars.SIZE)

    def test_metadata_does_not_survive(self):
        exif = Image.Exif()
        exif[0x010E] = "secret description"  # ImageDescription
        exif[0x0112] = 6  # rotated: the result is turned upright, the tag dropped
        photo = encoded(Image.new("RGB", (400, 200), (200, 10, 10)), "JPEG", exif=exif)
        data = avatars.normalized(upload(photo, "photo.jpg", "image/jpeg")).read()
        assert b"secret description" not in data
        result = Image.open(BytesIO(data))
        assert "exif" not in result.info
        assert not result.getexif()
        assert set(result.info) <= {"dpi", "gamma"}  # nothing else rides along

    @pytest.mark.parametrize("case", BAD)
    def test_the_hostile_corpus_is_refused_with_a_clear_reason(self, case):
        make, message = BAD[case]
        with pytest.raises(ValidationError) as refused:
            avatars.normalized(upload(make()))
        assert refused.value.messages == [str(message)]

    def test_the_declared_type_and_name_are_ignored(self):
        data = GOOD["png"]()
        assert avatars.normalized(upload(data, "x.svg", "image/svg+xml"))
        with pytest.raises(ValidationError):
            avatars.normalized(upload(BAD["an SVG"][0](), "x.png", "image/png"))


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = True
    return settings.MEDIA_ROOT


def stored(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def post_avatar(client: Client, data: bytes, name: str = "me.png", **fields: str):
    form = {"display_name": "", "bio": "", "avatar": upload(data, name), **fields}
    return client.post(reverse("edit_profile"), form)


class TestUploading:
    @pytest.mark.parametrize(
        "case", ["over 2 MiB", "a GIF/HTML polyglot", "an SVG", "a truncated PNG"]
    )
    def test_a_refused_upload_shows_why_and_stores_nothing(self, alice_client, alice, media, case):
        make, message = BAD[case]
        response = post_avatar(alice_client, make(), display_name="Alice A.")
        assert response.status_code == 200
        assert str(message) in response.content.decode()
        assert stored(media) == []
        assert not Profile.objects.filter(user=alice).exists()

    def test_an_upload_is_stored_served_with_nosniff_and_shown_on_messages(
        self, alice_client, alice, room, media, django_capture_on_commit_callbacks
    ):
        assert post_avatar(alice_client, GOOD["jpeg"](), "holiday.jpg").status_code == 302
        [first] = stored(media)
        assert first.suffix == ".png"
        assert first.parent.name == "avatars"
        url = Profile.objects.get(user=alice).avatar.url
        served = Client().get(url)
        assert served.status_code == 200
        assert served["X-Content-Type-Options"] == "nosniff"
        assert served["Content-Type"] == "image/png"
        assert Image.open(BytesIO(b"".join(served.streaming_content))).size == (256, 256)
        html = fragments.message(post_message(room, alice, "with a face"))
        assert f'<img class="avatar small" src="{url}" alt=""' in html
        # A new picture replaces the old file, once the change is committed.
        with django_capture_on_commit_callbacks(execute=True):
            post_avatar(alice_client, GOOD["png"]())
        [second] = stored(media)
        assert second != first
        with django_capture_on_commit_callbacks(execute=True):
            alice_client.post(reverse("edit_profile"), {"remove_avatar": "on"})
        assert stored(media) == []
        assert Client().get(url).status_code == 404

    def test_only_avatars_are_served_and_only_when_asked_to(self, media, settings, db):
        (media / "avatars").mkdir(parents=True)
        (media / "avatars" / "1-x.png").write_bytes(GOOD["png"]())
        (media / "secret.txt").write_text("no")
        assert Client().get("/media/avatars/1-x.png").status_code == 200
        assert Client().get("/media/secret.txt").status_code == 404
        assert Client().get("/media/avatars/../secret.txt").status_code == 404
        settings.SERVE_MEDIA = False
        assert Client().get("/media/avatars/1-x.png").status_code == 404


class TestInitials:
    def test_initials_and_a_colour_of_ones_own(self):
        assert avatars.initials("alice") == "A"
        assert avatars.initials("Ana María López") == "AL"
        assert avatars.initials("jean-luc") == "JL"
        assert avatars.initials("__") == "?"
        assert avatars.hue("alice") == avatars.hue("ALICE")
        assert len({avatars.hue(f"person{n}") for n in range(200)}) == avatars.HUES

    def test_without_a_picture_messages_show_initials_drawn_by_css(self, room, alice):
        html = fragments.message(post_message(room, alice, "hi"))
        hue = avatars.hue("alice")
        expected = (
            f'<span class="avatar small" data-hue="{hue}" data-initials="A" aria-hidden="true">'
        )
        assert expected in html
        assert "<img" not in html
