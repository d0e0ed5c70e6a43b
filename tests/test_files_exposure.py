"""An attachment is reached only through its room's guarded URLs (issue 13): never as a plain
media file, even where this app serves MEDIA_URL itself; and an image's preview is served
with the same protective headers as the file."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from attachments.models import Attachment
from chatsite import ratelimit
from support.attachment_corpus import multipart, png


@pytest.fixture
def picture(alice_client, room, media_root, settings) -> Attachment:
    settings.SERVE_MEDIA = True
    ratelimit.reset()
    data, content_type = multipart({"body": ""}, [("attachments", "red.png", png(), "image/png")])
    response = alice_client.post(
        "/chat/general/messages/", data, content_type=content_type, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    return Attachment.objects.get()


def test_an_attachment_is_never_served_as_a_media_file(alice_client, picture):
    # This app does serve MEDIA_URL: an avatar there is found.
    avatar = default_storage.save("avatars/someone.png", ContentFile(png()))
    assert Client().get(f"/media/{avatar}").status_code == 200
    names = picture.stored_names()
    assert len(names) == 2  # the file and its preview
    for name in names:
        assert default_storage.exists(name)
        for client in (Client(), alice_client):  # a stranger; the room's own member
            assert client.get(f"/media/{name}").status_code == 404
            assert client.get(f"/media/avatars/../{name}").status_code == 404


def test_an_images_preview_is_served_inline_and_harmless(alice_client, picture):
    for preview in (True, False):
        response = alice_client.get(picture.url_in(picture.message, preview=preview))
        assert response.status_code == 200
        assert response["Content-Type"] == ("image/webp" if preview else "image/png")
        assert response["X-Content-Type-Options"] == "nosniff"
        directives = {part.strip() for part in response["Content-Security-Policy"].split(";")}
        assert directives == {"default-src 'none'", "sandbox"}
        assert response["Content-Disposition"].startswith("inline;")
        assert "red.png" in response["Content-Disposition"]
