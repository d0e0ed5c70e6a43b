"""The type corpus (issue 13): what a file is comes from its content, never its name or the
type its sender claims. Each hostile file is stored safely or refused clearly, and none is
served inline as anything a browser would run: HTML, SVG, XML or script."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.test import Client
from PIL import Image

from attachments.models import Attachment
from attachments.names import clean_name
from chatsite import ratelimit
from rooms.models import Message
from support.attachment_corpus import Sample, hostile, multipart, ordinary, photo

URL = "/chat/general/messages/"
# Content types a browser renders as a document or runs, whatever the disposition says.
ACTIVE = ("text/html", "image/svg+xml", "application/xml", "text/xml", "javascript", "xhtml")


@pytest.fixture(autouse=True)
def _media(media_root, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "1000/second"}
    ratelimit.reset()


def post_sample(client: Client, sample: Sample):
    data, content_type = multipart(
        {"body": ""}, [("attachments", sample.name, sample.data, sample.content_type)]
    )
    return client.post(URL, data, content_type=content_type, headers={"HX-Request": "true"})


def assert_served_safely(client: Client, attachment: Attachment) -> None:
    message = attachment.message
    response = client.get(attachment.url_in(message))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == attachment.file.open("rb").read()
    content_type = response["Content-Type"]
    assert not any(active in content_type for active in ACTIVE)
    assert response["X-Content-Type-Options"] == "nosniff"
    directives = {part.strip() for part in response["Content-Security-Policy"].split(";")}
    assert directives == {"default-src 'none'", "sandbox"}
    disposition = response["Content-Disposition"]
    if attachment.kind == "file":
        assert content_type == "application/octet-stream"
        assert disposition.startswith("attachment;")
    else:
        assert content_type.split("/")[0] in {"image", "video", "audio"}
        assert disposition.startswith("inline;")


SAMPLES = ordinary() + hostile()


@pytest.mark.parametrize(
    "sample", SAMPLES, ids=[s.name.encode("unicode_escape").decode() for s in SAMPLES]
)
def test_every_file_of_the_corpus_is_stored_as_its_content_says_and_served_safely(
    alice_client, room, sample
):
    response = post_sample(alice_client, sample)
    if sample.kind is None:
        assert response.status_code == 200
        assert 'id="composer-error" role="alert"' in response.content.decode()
        assert not Message.objects.exists()
        assert not Attachment.objects.exists()
        return
    assert response.status_code == 200, response.content.decode()[:500]
    attachment = Attachment.objects.get()
    assert attachment.kind == sample.kind
    assert attachment.name == clean_name(sample.name)
    assert attachment.size == len(sample.data)
    assert (attachment.preview.name != "") == (sample.kind == "image")
    assert_served_safely(alice_client, attachment)


def test_hostile_names_are_cleaned_and_never_name_the_stored_file(alice_client, room, media_root):
    names = {
        "../../etc/passwd": "passwd",
        "..\\..\\windows\\win.ini": "win.ini",
        "invoice\u202efdp.exe": "invoicefdp.exe",
        "bell\x07\x1b[31mred.txt": "bell[31mred.txt",
        "\u2067isolated\u2069.txt": "isolated.txt",
        " . ": "file",
        "x" * 300 + ".tar.gz": "x" * 197 + ".gz",
    }
    for raw in names:
        post_sample(alice_client, Sample(raw, b"data", "text/plain", "file"))
    # A file named only ".." is no file to Django's parser: with no text, nothing to send.
    refused = post_sample(alice_client, Sample("..", b"data", "text/plain", None))
    assert "Type a message first." in refused.content.decode()
    assert [a.name for a in Attachment.objects.order_by("pk")] == list(names.values())
    stored = [path.relative_to(media_root) for path in media_root.rglob("*") if path.is_file()]
    assert len(stored) == len(names)
    for path in stored:
        assert path.parts[0] == "attachments"
        assert re.fullmatch(r"[0-9a-f]{32}", path.name)  # a random name (a UUID's hex)


def test_cleaning_removes_what_cannot_be_shown():
    assert clean_name("a\r\nb\x00c\tpdf.txt") == "a bc pdf.txt"
    assert clean_name("report\u202egnp.js") == "reportgnp.js"
    assert clean_name("zero\u200bwidth.txt") == "zerowidth.txt"
    assert clean_name("cafe\u0301.txt") == "café.txt"
    assert clean_name("") == "file"
    assert clean_name("/") == "file"


def test_an_image_preview_is_upright_small_and_without_metadata(alice_client, room):
    # 1600 x 1200 as stored, turned a quarter by its EXIF: 1200 x 1600 as held.
    response = post_sample(alice_client, Sample("photo.jpg", photo(), "image/jpeg", "image"))
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert (attachment.preview_width, attachment.preview_height) == (600, 800)
    served = alice_client.get(attachment.url_in(attachment.message, preview=True))
    assert served["Content-Type"] == "image/webp"
    preview = Image.open(BytesIO(b"".join(served.streaming_content)))
    assert preview.format == "WEBP"
    assert preview.size == (600, 800)
    assert not preview.getexif()
    assert not {"exif", "icc_profile", "xmp"} & set(preview.info)
    # The original is what was sent, byte for byte.
    original = alice_client.get(attachment.url_in(attachment.message))
    assert b"".join(original.streaming_content) == attachment.file.open("rb").read()


def test_a_small_image_is_never_enlarged(alice_client, room):
    sample = next(s for s in ordinary() if s.name == "red.png")
    post_sample(alice_client, sample)
    attachment = Attachment.objects.get()
    assert (attachment.preview_width, attachment.preview_height) == (64, 48)


def test_a_bomb_is_never_decoded(alice_client, room):
    """Pillow refuses to decode it at all (24 megapixels at most): it is only a file."""
    bomb = next(s for s in hostile() if s.name == "bomb.png")
    post_sample(alice_client, bomb)
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.preview.name) == ("file", "")
    response = alice_client.get(attachment.url_in(attachment.message))
    assert response["Content-Disposition"] == 'attachment; filename="bomb.png"'
