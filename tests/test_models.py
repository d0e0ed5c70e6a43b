import pytest
from django.core.management import call_command
from django.db import IntegrityError

from rooms.models import Room


@pytest.mark.django_db
class TestRoom:
    def test_open_creates_once_whatever_the_case(self, alice):
        first = Room.open("General", by=alice)
        again = Room.open("general", by=alice)
        assert again.pk == first.pk
        assert again.name == "General"
        assert Room.objects.count() == 1

    def test_names_are_unique_ignoring_case(self, room):
        with pytest.raises(IntegrityError):
            Room.objects.create(name="GENERAL")

    def test_named_ignores_case(self, room):
        assert Room.objects.named("GeNeRaL") == room

    def test_group_name_is_a_valid_channels_group(self, room):
        assert room.group_name == f"room-{room.pk}"

    def test_by_activity_puts_recent_rooms_first_and_silent_rooms_last(self, alice):
        quiet = Room.open("quiet", by=alice)
        older = Room.open("older", by=alice)
        newer = Room.open("newer", by=alice)
        older.post(alice, "first")
        newer.post(alice, "second")
        assert list(Room.objects.by_activity()) == [newer, older, quiet]

    def test_post_stores_and_touches_the_room(self, room, alice):
        message = room.post(alice, "hello")
        room.refresh_from_db()
        assert room.last_message_at == message.created_at
        assert message.author == alice
        assert message.body == "hello"

    def test_latest_messages_are_the_newest_oldest_first(self, room, alice, settings):
        settings.MESSAGE_PAGE_SIZE = 3
        for number in range(5):
            room.post(alice, f"message {number}")
        assert [m.body for m in room.latest_messages()] == ["message 2", "message 3", "message 4"]

    def test_live_html_is_the_message_wrapped_for_merging(self, room, alice):
        message = room.post(alice, "<b>hi</b>")
        html = message.live_html
        assert html.startswith('<div hx-swap-oob="merge:#messages">')
        assert f'id="message-{message.pk}"' in html
        assert f'data-author="{alice.pk}"' in html
        assert "&lt;b&gt;hi&lt;/b&gt;" in html
        assert "<b>" not in html


def test_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
