"""Editing a message with files (issue 13): the text changes, the files stay, and a message of
files may lose its text entirely, as it could have been posted without any."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rooms.actions import post_message
from rooms.models import Message
from support.attachment_corpus import png


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def edit_url(message: Message) -> str:
    return f"/chat/{message.room.name}/messages/{message.pk}/edit/"


def test_editing_the_text_keeps_the_files(room, alice, alice_client):
    message = post_message(room, alice, "a picture", files=[SimpleUploadedFile("a.png", png())])
    response = alice_client.post(edit_url(message), {"body": "the same picture"})
    assert response.status_code == 302
    stored = Message.objects.get(pk=message.pk)
    assert stored.body == "the same picture"
    assert [a.name for a in stored.attachments.all()] == ["a.png"]


def test_a_message_with_files_may_lose_its_text(room, alice, alice_client):
    message = post_message(room, alice, "caption", files=[SimpleUploadedFile("a.png", png())])
    response = alice_client.post(edit_url(message), {"body": "   "})
    assert response.status_code == 302
    stored = Message.objects.get(pk=message.pk)
    assert (stored.body, stored.attachments.count()) == ("", 1)


def test_a_message_of_text_alone_still_needs_its_text(room, alice, alice_client):
    message = post_message(room, alice, "words only")
    response = alice_client.post(edit_url(message), {"body": ""})
    assert response.status_code == 200
    assert "Type a message first." in response.content.decode()
    assert Message.objects.get(pk=message.pk).body == "words only"
