import uuid

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from rooms import fragments, protocol
from rooms.actions import delete_message, edit_message, open_room, post_message
from rooms.models import Room


@pytest.mark.django_db
class TestRoom:
    def test_open_creates_once_whatever_the_case(self, alice):
        first = open_room("General", by=alice)
        again = open_room("general", by=alice)
        assert again.pk == first.pk
        assert again.name == "General"
        assert Room.objects.count() == 1

    def test_names_are_unique_ignoring_case(self, room):
        with pytest.raises(IntegrityError):
            Room.objects.create(name="GENERAL")

    def test_named_ignores_case(self, room):
        assert Room.named("GeNeRaL") == room
        assert Room.named("general") == room

    @pytest.mark.parametrize("name", ["generals", "", "gen%", "gen_ral", "g\x00", "ñ" * 60])
    def test_named_finds_nothing_for_another_name(self, room, name):
        assert Room.named(name) is None

    def test_group_name_is_a_valid_channels_group(self, room):
        assert protocol.room_group(room.pk, "en") == f"room-{room.pk}-en"

    def test_by_activity_puts_recent_rooms_first_and_silent_rooms_last(self, alice):
        quiet = open_room("quiet", by=alice)
        older = open_room("older", by=alice)
        newer = open_room("newer", by=alice)
        post_message(older, alice, "first")
        post_message(newer, alice, "second")
        assert list(Room.objects.by_activity()) == [newer, older, quiet]

    def test_post_stores_and_touches_the_room(self, room, alice):
        message = post_message(room, alice, "hello")
        room.refresh_from_db()
        assert room.last_message_at == message.created_at
        assert message.author == alice
        assert message.body == "hello"

    def test_live_html_is_the_message_wrapped_for_merging(self, room, alice):
        message = post_message(room, alice, "<b>hi</b>")
        html = fragments.message(message)
        assert html.startswith('<div hx-swap-oob="merge:#messages">')
        assert f'id="message-{message.pk}"' in html
        assert f'data-author="{alice.pk}"' in html
        assert "&lt;b&gt;hi&lt;/b&gt;" in html
        assert "<b>" not in html


def test_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
class TestHistory:
    @pytest.fixture
    def bodies(self, room, alice, settings):
        settings.MESSAGE_PAGE_SIZE = 3
        return [post_message(room, alice, f"m{n}") for n in range(7)]

    def test_latest_page_is_the_newest_oldest_first(self, room, bodies):
        page = room.history()
        assert [m.body for m in page.messages] == ["m4", "m5", "m6"]
        assert page.has_older
        assert page.oldest == bodies[4]

    def test_before_pages_back_to_the_first_message(self, room, bodies):
        page = room.history(before=bodies[4].pk)
        assert [m.body for m in page.messages] == ["m1", "m2", "m3"]
        assert page.has_older
        last = room.history(before=bodies[1].pk)
        assert [m.body for m in last.messages] == ["m0"]
        assert not last.has_older

    def test_before_the_first_message_is_empty(self, room, bodies):
        page = room.history(before=bodies[0].pk)
        assert page.messages == []
        assert not page.has_older
        assert page.oldest is None

    def test_an_exact_page_has_nothing_older(self, room, alice, settings):
        settings.MESSAGE_PAGE_SIZE = 2
        post_message(room, alice, "a")
        post_message(room, alice, "b")
        assert not room.history().has_older

    def test_changes_after_an_id_are_every_newer_message(self, room, bodies, settings):
        assert [m.body for m in room.changes(after=bodies[0].pk)] == [f"m{n}" for n in range(1, 7)]
        assert list(room.changes(after=bodies[-1].pk)) == []

    def test_changes_include_edits_and_deletions_since_a_revision(self, room, bodies):
        since = room.revision
        edit_message(bodies[1], "m1, edited")
        delete_message(bodies[2])
        changed = list(room.changes(after=bodies[-1].pk, since=since))
        assert [(m.pk, m.body) for m in changed] == [
            (bodies[1].pk, "m1, edited"),
            (bodies[2].pk, ""),
        ]


@pytest.mark.django_db
class TestRevisions:
    def test_every_change_takes_the_next_revision(self, room, alice):
        first = post_message(room, alice, "one")
        second = post_message(room, alice, "two")
        edit_message(first, "one, edited")
        delete_message(second)
        room.refresh_from_db()
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.revision, second.revision, room.revision) == (3, 4, 4)

    def test_rooms_count_their_own_revisions(self, room, alice):
        other = open_room("other", by=alice)
        post_message(room, alice, "here")
        assert post_message(other, alice, "there").revision == 1


@pytest.mark.django_db
class TestRetries:
    def test_the_same_client_key_stores_one_message(self, room, alice):
        key = uuid.uuid4()
        first = post_message(room, alice, "once", client_key=key)
        again = post_message(room, alice, "once", client_key=key)
        assert again.pk == first.pk
        assert room.messages.count() == 1

    def test_the_key_belongs_to_its_author(self, room, alice, bob):
        key = uuid.uuid4()
        post_message(room, alice, "alice's", client_key=key)
        post_message(room, bob, "bob's", client_key=key)
        assert room.messages.count() == 2

    def test_no_key_means_no_deduplication(self, room, alice):
        post_message(room, alice, "same")
        post_message(room, alice, "same")
        assert room.messages.count() == 2


@pytest.mark.django_db
class TestEditAndDelete:
    def test_only_the_author_may_edit(self, room, alice, bob):
        message = post_message(room, alice, "mine")
        assert message.is_editable_by(alice)
        assert not message.is_editable_by(bob)

    def test_the_author_and_staff_may_delete(self, room, alice, bob, django_user_model):
        message = post_message(room, alice, "mine")
        staff = django_user_model.objects.create_user("mod", is_staff=True)
        assert message.is_deletable_by(alice)
        assert message.is_deletable_by(staff)
        assert not message.is_deletable_by(bob)

    def test_a_deleted_message_keeps_no_text_and_cannot_change_again(self, room, alice):
        message = post_message(room, alice, "secret")
        delete_message(message)
        message.refresh_from_db()
        assert message.body == ""
        assert message.is_deleted
        assert not message.is_editable_by(alice)
        assert not message.is_deletable_by(alice)

    def test_edit_marks_the_fragment(self, room, alice):
        message = post_message(room, alice, "draft")
        edit_message(message, "final")
        assert "final" in fragments.message(message)
        assert "(edited)" in fragments.message(message)
        assert f'data-revision="{message.revision}"' in fragments.message(message)

    def test_deleted_fragment_is_a_tombstone_without_the_text(self, room, alice):
        message = post_message(room, alice, "regrettable")
        delete_message(message)
        html = fragments.message(message)
        assert "Message deleted" in html
        assert "regrettable" not in html
        assert "Edit" not in html
