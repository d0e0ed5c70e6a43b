"""Showing files (issue 13): part of the message fragment, rendered once and the same for
everyone, in live updates, catch-up, history and search (which finds messages by file
name too, on SQLite and PostgreSQL); a refused post broadcasts nothing; the admin lists
them."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attachments.models import Attachment
from rooms import fragments, protocol
from rooms.actions import add_member, delete_message, edit_message, open_room, post_message
from rooms.search import search
from support.attachment_corpus import mp3, mp4, multipart, photo, png

ATTACHMENTS = re.compile(r'<ul class="attachments">.*?</ul>', re.DOTALL)


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def uploads(*files: tuple[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, data) for name, data in files]


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def message(room, alice):
    files = uploads(
        ("photo.jpg", photo()),
        ("clip.mp4", mp4(5000)),
        ("song.mp3", mp3()),
        ("Q3 report <final>.txt", b"numbers\n"),
    )
    return post_message(room, alice, "Everything for Monday", files=files)


def test_the_fragment_shows_each_kind_as_the_markup_contract_says(message):
    image, video, audio, other = message.attachments.all()
    base = f"/chat/general/files/{image.pk}"
    html = fragments.message(message)
    [block] = ATTACHMENTS.findall(html)
    assert (
        f'<li class="attachment image"><a class="attachment-image" href="{base}/photo.jpg" '
        f'data-viewer><img src="{base}/preview/photo.jpg" width="600" height="800" '
        'alt="photo.jpg" loading="lazy"></a></li>'
    ) in block
    video_url = f"/chat/general/files/{video.pk}/clip.mp4"
    assert (
        f'<li class="attachment video"><video controls preload="metadata" src="{video_url}">'
        f'</video><a class="attachment-name" href="{video_url}?download">clip.mp4</a></li>'
    ) in block
    audio_url = f"/chat/general/files/{audio.pk}/song.mp3"
    assert (
        f'<li class="attachment audio"><audio controls preload="metadata" src="{audio_url}">'
        f'</audio><a class="attachment-name" href="{audio_url}?download">song.mp3</a></li>'
    ) in block
    other_url = f"/chat/general/files/{other.pk}/Q3%20report%20%3Cfinal%3E.txt"
    assert (
        f'<li class="attachment file"><a class="file-card" href="{other_url}" download>'
        '<span class="file-icon" aria-hidden="true"></span>'
        '<span class="file-name">Q3 report &lt;final&gt;.txt</span> '
        '<span class="file-size">8\xa0bytes</span></a></li>'
    ) in block
    assert block.index("photo.jpg") < block.index("clip.mp4") < block.index("song.mp3")


def test_a_message_without_files_has_no_list(room, alice):
    assert "attachments" not in fragments.message(post_message(room, alice, "just words"))


def test_history_catch_up_and_the_post_answer_show_the_same_files_to_everyone(
    message, room, alice_client, bob_client
):
    [expected] = ATTACHMENTS.findall(fragments.message(message))
    for client in (alice_client, bob_client):
        for url in ("/chat/general/", "/chat/general/messages/?after=0"):
            assert ATTACHMENTS.findall(client.get(url).content.decode()) == [expected]
    data, content_type = multipart({"body": ""}, [("attachments", "more.png", png(), "image/png")])
    answer = alice_client.post(
        "/chat/general/messages/", data, content_type=content_type, headers={"HX-Request": "true"}
    )
    [posted] = ATTACHMENTS.findall(answer.content.decode())
    assert 'alt="more.png"' in posted


def test_editing_the_text_keeps_the_files(message, alice_client):
    files = list(message.attachments.values_list("pk", flat=True))
    edit_message(message, "Everything for Tuesday")
    assert list(message.attachments.values_list("pk", flat=True)) == files
    page = alice_client.get("/chat/general/").content.decode()
    assert "Everything for Tuesday" in page
    assert len(ATTACHMENTS.findall(page)) == 1


@pytest.mark.django_db(transaction=True)
async def test_the_broadcast_carries_the_files_and_a_refused_post_sends_nothing(
    redis_layer, room, alice, media_root, settings
):
    settings.ATTACHMENT_MAX_FILES = 1
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(protocol.room_group(room.pk, "en"), channel)

    @database_sync_to_async
    def post_refused_then_accepted() -> str:
        client = Client()
        client.force_login(alice)
        too_many = [("attachments", f"{n}.txt", b"x", "text/plain") for n in range(2)]
        for files in (too_many, [("attachments", "ok.png", png(), "image/png")]):
            data, content_type = multipart({"body": "files"}, files)
            client.post("/chat/general/messages/", data, content_type=content_type)
        return fragments.message(Attachment.objects.get().message)

    html = await post_refused_then_accepted()
    # One channel delivers in order: a broadcast of the refused post would come first.
    event = await layer.receive(channel)
    assert event["html"] == html
    assert 'alt="ok.png"' in event["html"]


class TestSearch:
    @pytest.fixture
    def posted(self, room, alice):
        report = post_message(room, alice, "", files=uploads(("Quarterly-Report_2024.pdf", b"%")))
        cv = post_message(room, alice, "see attached", files=uploads(("Résumé.txt", b"cv")))
        post_message(room, alice, "the report is late")
        return report, cv

    def test_finds_messages_by_the_words_of_their_file_names(self, posted, alice):
        report, cv = posted
        assert search(alice, "quarterly report") == [report]
        assert search(alice, "2024 pdf") == [report]
        assert search(alice, "resume") == [cv]  # accents and case do not matter
        assert search(alice, "résumé see") == []  # all words in the text, or all in names
        assert search(alice, "port") == []  # word starts only, as for text
        assert [m.body for m in search(alice, "report")] == ["the report is late", ""]

    def test_best_match_first_still_finds_names(self, posted, alice):
        found = search(alice, "report", order="relevance")
        assert [m.body for m in found] == ["the report is late", ""]

    def test_files_of_rooms_one_may_not_see_or_of_deleted_messages_are_not_found(
        self, posted, alice, bob
    ):
        secret = open_room("secret", by=alice, private=True)
        post_message(secret, alice, "", files=uploads(("quarterly-secret.pdf", b"%")))
        assert [m.room.name for m in search(bob, "quarterly")] == ["general"]
        add_member(secret, bob)
        assert len(search(bob, "quarterly")) == 2
        delete_message(posted[0])
        assert [m.room.name for m in search(bob, "quarterly")] == ["secret"]

    def test_the_results_page_shows_the_files(self, posted, alice_client):
        page = alice_client.get("/chat/~search/?q=quarterly").content.decode()
        [hit] = re.findall(r'<li class="search-hit">.*?</ul>', page, re.DOTALL)
        assert '<a class="search-text" href="/chat/general/?around=' in hit
        assert ">Quarterly-Report_2024.pdf</a>" in hit  # a message of files alone: named by them
        assert '<span class="file-name">Quarterly-Report_2024.pdf</span>' in hit


def test_the_admin_lists_files_with_their_message_and_room(message, db):
    admin = get_user_model().objects.create_superuser("root", password="correct horse battery")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/attachments/attachment/").content.decode()
    for name in ("photo.jpg", "clip.mp4", "song.mp3", "Q3 report &lt;final&gt;.txt"):
        assert name in listing
    assert "general" in listing
    assert f"/admin/rooms/message/{message.pk}/change/" in listing
    change = client.get(f"/admin/rooms/message/{message.pk}/change/")
    assert change.status_code == 200
    assert "clip.mp4" in change.content.decode()
