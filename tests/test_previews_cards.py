"""A card's life beside its message: editing the link replaces or drops it (as Slack
re-unfurls), and the author, and only the author, removes it, with or without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from previews.models import LinkCard
from rooms import fragments
from rooms.actions import delete_message, edit_message, open_room, post_message
from rooms.models import Message
from support.http_sites import page, png
from tests.link_cards import media_fixture, og_page, run_queued_tasks, stored_pictures, web_fixture  # noqa: F401 (fixtures)

HTMX = {"HTTP_HX_REQUEST": "true"}
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run a change with its on-commit work (signals, broadcasts, enqueueing) done."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def carded(room, alice, media, on_commit) -> Message:
    """Alice's message whose card is shown, with a stored picture."""
    message = on_commit(post_message, room, alice, "see https://news.example/a")
    card = LinkCard.objects.get(message=message)
    card.image.save("x.png", ContentFile(png()), save=False)
    card.state, card.title = LinkCard.State.READY, "News title"
    card.save()
    DBTaskResult.objects.all().delete()  # as if the worker had run it
    return Message.objects.for_display().select_related("room").get(pk=message.pk)


def remove_url(message: Message) -> str:
    return f"/chat/{message.room.name}/messages/{message.pk}/card/remove/"


class TestEditing:
    def test_the_same_link_keeps_its_card_and_a_removed_one_stays_removed(self, carded, on_commit):
        on_commit(edit_message, carded, "still https://news.example/a, reworded")
        card = LinkCard.objects.get(message=carded)
        assert (card.state, card.title) == ("ready", "News title")
        assert not DBTaskResult.objects.exists()
        LinkCard.objects.filter(pk=card.pk).update(state="removed")
        on_commit(edit_message, carded, "once more https://news.example/a")
        assert LinkCard.objects.get(message=carded).state == "removed"

    def test_a_new_link_replaces_the_card_and_fetches_again(self, carded, media, on_commit, web):
        [old_picture] = stored_pictures(media)
        web.routes["/b"] = page(og_page("Second"))
        edited = Message.objects.for_display().select_related("room").get(pk=carded.pk)
        on_commit(edit_message, edited, f"now {web.url('/b')}")
        card = LinkCard.objects.get(message=carded)
        assert (card.state, card.url) == ("pending", web.url("/b"))
        assert not old_picture.exists()  # the old card's picture went with it
        # Pages dropped the old card at once: the answer to the edit has none.
        assert "News title" not in fragments.message(edited)
        assert run_queued_tasks() == ["ready"]
        assert "Second" in fragments.message(Message.objects.for_display().get(pk=carded.pk))

    def test_an_edit_removing_the_link_removes_the_card_in_a_new_revision(
        self, carded, media, on_commit
    ):
        edited_revision = carded.revision
        on_commit(edit_message, carded, "no link any more")
        assert not LinkCard.objects.filter(message=carded).exists()
        assert stored_pictures(media) == []
        stored = Message.objects.get(pk=carded.pk)
        assert stored.revision >= edited_revision + 2  # the edit's, then the card's removal
        assert carded.revision == stored.revision
        assert "News title" not in fragments.message(carded)

    def test_a_first_edit_adding_a_link_gets_a_card(self, room, alice, on_commit):
        message = on_commit(post_message, room, alice, "no link yet")
        on_commit(edit_message, message, "here: https://news.example/c")
        assert LinkCard.objects.get(message=message).state == "pending"
        assert DBTaskResult.objects.ready().count() == 1


class TestDeleting:
    def test_deleting_the_message_deletes_its_card_and_picture(self, carded, media, on_commit):
        assert len(stored_pictures(media)) == 1
        on_commit(delete_message, carded)
        assert not LinkCard.objects.filter(message=carded).exists()
        assert stored_pictures(media) == []

    def test_a_rolled_back_deletion_keeps_the_card(self, carded, media):
        def delete_then_fail() -> None:
            with transaction.atomic():
                delete_message(carded)
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            delete_then_fail()
        assert LinkCard.objects.get(message=carded).state == "ready"
        assert len(stored_pictures(media)) == 1


class TestRemoving:
    def test_the_author_removes_the_card_for_everyone(self, carded, alice_client, media, on_commit):
        assert "News title" in fragments.message(carded)
        with_card = carded.revision
        response = on_commit(alice_client.post, remove_url(carded), {}, **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'id="message-{carded.pk}"' in html
        assert "link-card" not in html
        assert Message.objects.get(pk=carded.pk).revision > with_card
        assert LinkCard.objects.get(message=carded).state == "removed"
        assert stored_pictures(media) == []
        again = on_commit(alice_client.post, remove_url(carded), {}, **HTMX)
        assert again.status_code == 200  # removing twice is no error

    def test_without_javascript_it_asks_then_redirects_to_the_room(self, carded, alice_client):
        asked = alice_client.get(remove_url(carded))
        assert asked.status_code == 200
        assert b'method="post"' in asked.content
        assert b"csrfmiddlewaretoken" in asked.content
        assert LinkCard.objects.get(message=carded).state == "ready"
        response = alice_client.post(remove_url(carded))
        assert (response.status_code, response.url) == (302, carded.room.get_absolute_url())
        assert LinkCard.objects.get(message=carded).state == "removed"

    def test_someone_else_gets_403_and_the_card_stays(self, carded, bob):
        client = Client()
        client.force_login(bob)
        for response in (client.get(remove_url(carded)), client.post(remove_url(carded), **HTMX)):
            assert response.status_code == 403
        assert LinkCard.objects.get(message=carded).state == "ready"

    def test_an_outsider_of_a_private_room_gets_404(self, alice, bob, media, on_commit):
        secret = open_room("secret", by=alice, private=True)
        message = on_commit(post_message, secret, alice, "https://news.example/private")
        client = Client()
        client.force_login(bob)
        assert client.post(remove_url(message)).status_code == 404
        assert LinkCard.objects.get(message=message).state == "pending"

    def test_malformed_and_missing_targets(self, carded, room, alice, alice_client, on_commit):
        plain = on_commit(post_message, room, alice, "no card")
        assert alice_client.post(remove_url(plain)).status_code == 404
        assert (
            alice_client.post(f"/chat/{room.name}/messages/999999/card/remove/").status_code == 404
        )
        assert alice_client.post(f"/chat/{room.name}/messages/x/card/remove/").status_code == 404
        assert (
            alice_client.post(f"/chat/nowhere/messages/{carded.pk}/card/remove/").status_code == 404
        )
        assert alice_client.put(remove_url(carded)).status_code == 405
        anonymous = Client().post(remove_url(carded))
        assert anonymous.status_code == 302
        assert "/accounts/login/" in anonymous.url
        assert LinkCard.objects.get(message=carded).state == "ready"

    def test_the_remove_control_is_in_every_fragment_and_shown_by_the_authors_page_only(
        self, carded, bob
    ):
        assert 'class="card-remove"' in fragments.message(carded)
        css = (PROJECT / "static" / "css" / "chat.css").read_text()
        assert ".link-card .card-remove { display: var(--card-remove, none);" in css
        for viewer in (carded.author, bob):
            client = Client()
            client.force_login(viewer)
            html = client.get(carded.room.get_absolute_url()).content.decode()
            assert f'data-author="{carded.author_id}"' in html  # the message, on both pages
            # The one rule that sets --card-remove is keyed on the viewer's own messages.
            [(author, rule)] = re.findall(r'\.message\[data-author="(\d+)"\] \{([^}]*)\}', html)
            assert author == str(viewer.pk)
            assert "--card-remove: inline-block" in rule
