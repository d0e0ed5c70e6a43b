"""Serving files (issue 13): only to those who may see the room (404 otherwise, as for the
room), with the headers of their kind, single byte ranges, revalidation, and the hand-off
to nginx (X-Accel-Redirect) when configured."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attachments.models import Attachment
from rooms.actions import delete_message, open_room, post_message
from support.attachment_corpus import mp4, png

VIDEO = mp4(300_000)


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def attach(room, author, name: str, data: bytes) -> Attachment:
    message = post_message(room, author, "", files=[SimpleUploadedFile(name, data)])
    return message.attachments.get()


@pytest.fixture
def video(room, alice) -> Attachment:
    return attach(room, alice, "clip.mp4", VIDEO)


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_person_who_may_not_see_the_room_gets_404_as_for_the_room(alice, bob, media_root):
    secret = open_room("secret", by=alice, private=True)
    attachment = attach(secret, alice, "plan.png", png())
    bob_client, alice_client = Client(), Client()
    bob_client.force_login(bob)
    alice_client.force_login(alice)
    file_url = attachment.url_in(attachment.message)
    preview_url = attachment.url_in(attachment.message, preview=True)
    assert bob_client.get("/chat/secret/").status_code == 404
    for url in (file_url, preview_url, file_url + "?download"):
        assert bob_client.get(url).status_code == 404
        assert alice_client.get(url).status_code == 200
    # Under another room's name the id finds nothing either, even one bob may see.
    open_room("general", by=bob)
    assert bob_client.get(file_url.replace("/secret/", "/general/")).status_code == 404
    # Signed out: to the login page, as for the room.
    response = Client().get(file_url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_files_of_a_deleted_message_or_missing_from_storage_are_404(alice_client, room, alice):
    kept = attach(room, alice, "kept.txt", b"kept")
    gone = attach(room, alice, "gone.txt", b"gone")
    url = gone.url_in(gone.message)
    delete_message(gone.message)
    assert alice_client.get(url).status_code == 404
    kept.file.storage.delete(kept.file.name)  # removed behind the app's back
    assert alice_client.get(kept.url_in(kept.message)).status_code == 404


def test_only_images_have_previews(alice_client, video):
    assert alice_client.get(video.url_in(video.message, preview=True)).status_code == 404


def test_headers_of_a_video_and_its_download(alice_client, video):
    response = alice_client.get(video.url_in(video.message))
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == 'inline; filename="clip.mp4"'
    assert response["Content-Length"] == str(len(VIDEO))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"] == "private, max-age=86400"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert content(response) == VIDEO
    download = alice_client.get(video.url_in(video.message) + "?download")
    assert download["Content-Disposition"] == 'attachment; filename="clip.mp4"'
    assert download["Content-Type"] == "video/mp4"


def test_a_name_outside_ascii_goes_in_rfc_5987_form(alice_client, room, alice):
    attachment = attach(room, alice, 'résumé "final".txt', b"cv")
    response = alice_client.get(attachment.url_in(attachment.message))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%20%22final%22.txt"
    )


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, len(VIDEO) - 1),
        ("bytes=-500", len(VIDEO) - 500, len(VIDEO) - 1),
        ("bytes=299000-999999999", 299_000, len(VIDEO) - 1),
        ("bytes=-999999999", 0, len(VIDEO) - 1),
    ],
)
def test_a_single_range_is_answered_with_206(alice_client, video, header, start, end):
    response = alice_client.get(video.url_in(video.message), headers={"Range": header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(VIDEO)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert content(response) == VIDEO[start : end + 1]


@pytest.mark.parametrize("header", ["bytes=300000-", "bytes=999999-1000000", "bytes=-0"])
def test_a_range_past_the_end_is_416(alice_client, video, header):
    response = alice_client.get(video.url_in(video.message), headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-3", "bytes=-", "bytes=a-b", "nonsense"]
)
def test_ranges_not_served_get_the_whole_file(alice_client, video, header):
    response = alice_client.get(video.url_in(video.message), headers={"Range": header})
    assert response.status_code == 200
    assert content(response) == VIDEO


def test_revalidation_and_if_range_follow_the_etag(alice_client, video):
    url = video.url_in(video.message)
    etag = alice_client.get(url)["ETag"]
    assert alice_client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert alice_client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    same = alice_client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (same.status_code, content(same)) == (206, VIDEO[:10])
    changed = alice_client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert (changed.status_code, content(changed)) == (200, VIDEO)


def test_head_sends_the_headers_only(alice_client, video):
    response = alice_client.head(video.url_in(video.message))
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(VIDEO))
    assert content(response) == b""


def test_writes_are_refused(alice_client, video):
    assert alice_client.post(video.url_in(video.message)).status_code == 405


def test_with_accel_redirect_the_proxy_sends_the_file_after_the_check(
    alice_client, bob, video, settings
):
    settings.ATTACHMENT_ACCEL_REDIRECT = "/protected-media/"
    response = alice_client.get(video.url_in(video.message), headers={"Range": "bytes=0-9"})
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{video.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == 'inline; filename="clip.mp4"'
    assert response["X-Content-Type-Options"] == "nosniff"
    # The check comes first: nothing is handed over for a room one may not see.
    secret = open_room("secret", by=bob, private=True)
    hidden = attach(secret, bob, "hidden.txt", b"hidden")
    refused = alice_client.get(hidden.url_in(hidden.message))
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused
