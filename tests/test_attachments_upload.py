"""Sending files (issue 13): with and without JavaScript, files alone, and every limit (size
per file, files per message, the whole request, the hourly allowance) refused clearly, the
text typed kept, nothing stored and nothing broadcast."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.test import Client

from attachments.models import Attachment
from attachments.uploads import max_request_bytes
from chatsite import ratelimit
from rooms.models import Message
from support.attachment_corpus import mp4, multipart, png

HTMX = {"HX-Request": "true"}
URL = "/chat/general/messages/"


@pytest.fixture(autouse=True)
def _media(media_root, settings):
    settings.ATTACHMENT_MAX_BYTES = 64 * 1024
    settings.ATTACHMENT_MAX_FILES = 3
    ratelimit.reset()
    yield
    ratelimit.reset()


def send(client: Client, body: str = "", files=(), *, htmx: bool = False, **fields: str):
    """POST the composer as a browser does, `files` as (name, data[, content type])."""
    parts = [
        ("attachments", name, data, rest[0] if rest else "application/octet-stream")
        for name, data, *rest in files
    ]
    data, content_type = multipart({"body": body, **fields}, parts)
    return client.post(URL, data, content_type=content_type, headers=HTMX if htmx else {})


def typed(page: str) -> str:
    """What the composer's field holds in `page`."""
    return re.search(r'<textarea name="body"[^>]*>\n?([^<]*)</textarea>', page).group(1)


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_message_with_files_is_stored_with_them_in_order(alice_client, room, media_root, htmx):
    response = send(
        alice_client, "Holiday pictures", [("one.png", png()), ("two.txt", b"hello\n")], htmx=htmx
    )
    if htmx:
        assert response.status_code == 200
        assert 'class="attachments"' in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == "/chat/general/"
    message = Message.objects.get()
    assert message.body == "Holiday pictures"
    one, two = message.attachments.all()
    assert (one.name, one.kind, one.position) == ("one.png", "image", 0)
    assert (two.name, two.kind, two.size, two.position) == ("two.txt", "file", 6, 1)
    # Each file under a new random name, and one preview for the image.
    assert len(stored_files(media_root)) == 3
    for name in (one.file.name, one.preview.name, two.file.name):
        assert name.startswith("attachments/")
        assert not {"one", "two"} & set(re.split(r"\W", name))


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_files_alone_make_a_message(alice_client, room, htmx):
    response = send(alice_client, "   ", [("clip.mp4", mp4(20_000))], htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    message = Message.objects.get()
    assert message.body == ""
    assert message.attachments.get().kind == "video"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_neither_text_nor_files_is_refused(alice_client, room, htmx):
    response = send(alice_client, "  ", htmx=htmx)
    assert response.status_code == 200
    assert "Type a message first." in response.content.decode()
    assert not Message.objects.exists()


def over_limit_cases(settings) -> dict:
    big = b"x" * (settings.ATTACHMENT_MAX_BYTES + 1)
    return {
        "a file over the size limit": (
            [("small.txt", b"ok"), ("huge.bin", big)],
            "“huge.bin” is larger than 64.0\xa0KB, so nothing was sent.",
        ),
        "more files than the limit": (
            [(f"f{n}.txt", b"ok") for n in range(5)],
            "At most 3 files go with one message (this one had 5), so nothing was sent.",
        ),
    }


@pytest.mark.parametrize("case", ["a file over the size limit", "more files than the limit"])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_over_a_limit_is_refused_with_413_the_text_kept_and_nothing_stored(
    alice_client, room, media_root, settings, case, htmx
):
    files, error = over_limit_cases(settings)[case]
    response = send(alice_client, "Keep this text", files, htmx=htmx)
    assert response.status_code == 413
    page = response.content.decode()
    assert error in page
    assert 'id="composer-error" role="alert"' in page
    assert typed(page) == "Keep this text"
    if not htmx:
        assert "<html" in page  # the room again, with its composer
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_file_exactly_at_the_limit_is_taken(alice_client, room, settings):
    data = b"x" * settings.ATTACHMENT_MAX_BYTES
    assert send(alice_client, "", [("exact.bin", data)]).status_code == 302
    assert Attachment.objects.get().size == settings.ATTACHMENT_MAX_BYTES


def test_a_request_larger_than_all_files_could_be_is_refused_keeping_no_file(
    alice_client, room, settings
):
    settings.ATTACHMENT_MAX_FILES = 1
    # Each file is under the limit, but together they are more than any message may carry.
    count = max_request_bytes() // 60_000 + 1
    files = [(f"f{n}.bin", b"y" * 60_000) for n in range(count)]
    response = send(alice_client, "Still here", files, htmx=True)
    assert response.status_code == 413
    page = response.content.decode()
    assert "That was too much to send at once (at most 1 files of 64.0\xa0KB each)" in page
    assert typed(page) == "Still here"
    assert not Attachment.objects.exists()


def test_an_empty_file_is_refused_by_name(alice_client, room, media_root):
    response = send(alice_client, "hi", [("fine.txt", b"ok"), ("nothing.txt", b"")], htmx=True)
    assert response.status_code == 200
    assert "“nothing.txt” is empty, so nothing was sent." in response.content.decode()
    assert not Message.objects.exists()
    assert stored_files(media_root) == []


def test_files_under_any_other_field_name_are_dropped(alice_client, room, media_root):
    data, content_type = multipart(
        {"body": "hi"}, [("avatar", "sneaky.html", b"<script>alert(1)</script>", "text/html")]
    )
    response = alice_client.post(URL, data, content_type=content_type)
    assert response.status_code == 302
    assert Message.objects.get().body == "hi"
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_the_hourly_allowance_counts_files_and_refuses_with_429(alice_client, bob, room, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "upload": "4/hour", "post": "100/second"}
    assert (
        send(alice_client, "", [("a.txt", b"1"), ("b.txt", b"2"), ("c.txt", b"3")]).status_code
        == 302
    )
    # One more file fits the allowance; two do not, and nothing of that post is kept.
    response = send(alice_client, "Two more", [("d.txt", b"4"), ("e.txt", b"5")], htmx=True)
    assert response.status_code == 429
    page = response.content.decode()
    assert "You have sent too many files in the last hour, so nothing was sent." in page
    assert typed(page) == "Two more"
    assert Attachment.objects.count() == 3
    # Text alone still goes, a file that fits too; and others have their own allowance.
    assert send(alice_client, "words only").status_code == 302
    assert send(alice_client, "", [("d.txt", b"4")]).status_code == 302
    bob_client = Client()
    bob_client.force_login(bob)
    assert send(bob_client, "", [("b1.txt", b"1"), ("b2.txt", b"2")]).status_code == 302
    assert Attachment.objects.count() == 6


def test_a_retried_post_stores_its_files_once(alice_client, room, media_root):
    key = str(uuid.uuid4())
    for _ in range(2):
        response = send(alice_client, "once", [("a.png", png())], client_key=key)
        assert response.status_code == 302
    assert Message.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert len(stored_files(media_root)) == 2  # the file and its preview, not twice


def test_a_post_with_files_still_needs_its_csrf_token(alice, room, media_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = send(client, "no token", [("a.txt", b"data")])
    assert response.status_code == 403
    assert not Message.objects.exists()
    assert stored_files(media_root) == []


def test_the_composer_takes_files_without_javascript(alice_client, room):
    page = alice_client.get("/chat/general/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'hx-encoding="multipart/form-data"' in page
    assert '<input type="file" name="attachments" multiple id="id_attachments">' in page
    assert '<label for="id_attachments">Attach files</label>' in page
