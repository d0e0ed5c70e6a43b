"""Issue 14, reading: day dividers in the page (UTC without JavaScript; the page's script
redraws them in the reader's days and groups messages), never in a message fragment, the
words the script needs, and the lobby's times as <time> elements the page localises."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from rooms import fragments
from rooms.actions import post_message
from rooms.models import Message, Room
from tests.test_arriving import items


def posted(room: Room, author, body: str, days_ago: float) -> Message:
    message = post_message(room, author, body)
    message.created_at = timezone.now() - timedelta(days=days_ago)
    Message.objects.filter(pk=message.pk).update(created_at=message.created_at)
    return message


def day_key(message: Message) -> str:
    day = timezone.localtime(message.created_at).date()  # in UTC, the site's zone
    return f"day:{day.year}-{day.month}-{day.day}"


class TestDayDividers:
    def test_each_day_starts_with_one_in_utc(self, room, alice, alice_client):
        old = posted(room, alice, "long ago", days_ago=3)
        yesterday = [posted(room, alice, f"yesterday {n}", days_ago=1) for n in range(2)]
        today = post_message(room, alice, "today")
        content = alice_client.get("/chat/general/").content.decode()
        assert items(content) == [
            ("day", date_format(timezone.localtime(old.created_at))),
            ("message", str(old.pk)),
            ("day", "Yesterday"),
            ("message", str(yesterday[0].pk)),
            ("message", str(yesterday[1].pk)),
            ("day", "Today"),
            ("message", str(today.pk)),
        ]
        # Keyed by day as the script names days, so it reuses the ones in place.
        for message in (old, yesterday[0], today):
            assert f'data-key="{day_key(message)}"' in content

    def test_an_empty_room_has_none(self, room, alice_client):
        content = alice_client.get("/chat/general/").content.decode()
        assert items(content) == []

    def test_fragments_never_carry_them(self, room, alice, alice_client):
        old = posted(room, alice, "long ago", days_ago=3)
        post_message(room, alice, "today")
        assert "divider" not in fragments.message(old)
        # "Load older" sends messages only; the page draws the dividers around them.
        older = alice_client.get(
            f"/chat/general/messages/?before={old.pk + 1}", headers={"HX-Request": "true"}
        )
        assert "divider" not in older.content.decode()
        assert f'id="message-{old.pk}"' in older.content.decode()


class TestTheWordsOfThePage:
    @pytest.mark.parametrize("path", ["/chat/", "/chat/general/"])
    def test_the_script_gets_its_words_from_the_page(self, room, alice_client, path):
        content = alice_client.get(path).content.decode()
        found = re.search(
            r'<script id="live-protocol" type="application/json">(.*?)</script>', content
        )
        assert found
        reading = json.loads(found.group(1))["reading"]
        assert reading == {"today": "Today", "yesterday": "Yesterday", "new": "New"}


class TestLobbyTimes:
    def test_each_row_has_a_time_the_page_localises(self, room, alice, alice_client):
        # Without JavaScript it says it is UTC; the page's script puts it in the reader's.
        message = post_message(room, alice, "hello")
        content = alice_client.get("/chat/").content.decode()
        stamp = message.created_at.isoformat()
        found = re.search(
            rf'<time datetime="{re.escape(stamp)}" title="([^"]+)">[^<]+ UTC</time>', content
        )
        assert found
        assert found.group(1) == f"{timezone.localtime(message.created_at):%Y-%m-%d %H:%M:%S} UTC"

    def test_the_live_row_is_the_same_for_everyone_and_localised_alike(self, room, alice):
        message = post_message(room, alice, "hello")
        row = fragments.lobby_row(room, message)
        assert f'<time datetime="{message.created_at.isoformat()}"' in row
        assert "data-last-read" not in row
