"""Reacting over HTTP: the picker, the toggle, with htmx and without JavaScript, refusals."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from chatsite import ratelimit
from reactions.forms import INPUT_MAX_LENGTH
from reactions.models import Reaction
from rooms.actions import delete_message, open_room, post_message
from rooms.models import Message, Room
from tests.security import FORM, HTMX, fresh_rate_limits  # noqa: F401 - applies here


def react_url(message: Message) -> str:
    return reverse("reactions:react", args=[message.room.name, message.pk])


def react(client: Client, message: Message, emoji: str, *, htmx: bool = True):
    return client.post(
        react_url(message),
        urlencode({"emoji": emoji}),
        content_type=FORM,
        headers=HTMX if htmx else {},
    )


def reactions_of(message: Message) -> list[tuple[str, str]]:
    return [(r.user.get_username(), r.emoji) for r in Reaction.objects.on(message)]


@pytest.fixture
def message(room, alice) -> Message:
    return post_message(room, alice, "Lunch at noon?")


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


class TestWithoutJavaScript:
    def test_the_picker_page_offers_the_palette_and_a_field(self, bob_client, message):
        response = bob_client.get(react_url(message))
        assert response.status_code == 200
        content = response.content.decode()
        assert "React to alice's message" in content
        assert "Lunch at noon?" in content
        for emoji in ("👍", "❤️", "😂", "🎉", "😮", "😢"):
            assert f'name="emoji" value="{emoji}" aria-pressed="false"' in content
        assert 'id="reaction-emoji" name="emoji"' in content
        assert 'name="csrfmiddlewaretoken"' in content
        assert f'href="/chat/general/#message-{message.pk}"' in content

    def test_a_reaction_is_a_post_that_leads_back_to_the_message(self, bob_client, message):
        response = react(bob_client, message, "👍", htmx=False)
        assert response.status_code == 302
        assert response.url == f"/chat/general/#message-{message.pk}"
        assert reactions_of(message) == [("bob", "👍")]
        room_page = bob_client.get("/chat/general/").content.decode()
        assert 'class="reaction" name="emoji" value="👍"' in room_page
        # The picker shows it as Bob's own: the page is his alone.
        picker = bob_client.get(react_url(message)).content.decode()
        assert 'value="👍" aria-pressed="true"' in picker
        react(bob_client, message, "👍", htmx=False)
        assert reactions_of(message) == []

    def test_a_message_beyond_the_latest_page_is_shown_in_its_history(
        self, settings, bob_client, room, alice, message
    ):
        settings.MESSAGE_PAGE_SIZE = 3
        for n in range(3):
            post_message(room, alice, f"later {n}")
        response = react(bob_client, message, "🎉", htmx=False)
        assert response.url == f"/chat/general/?around={message.pk}#message-{message.pk}"

    def test_a_shortcode_in_the_field_reacts_with_its_emoji(self, bob_client, message):
        react(bob_client, message, ":tada:", htmx=False)
        assert reactions_of(message) == [("bob", "🎉")]

    @pytest.mark.parametrize(
        ("typed", "error"),
        [
            ("", "Choose an emoji first."),
            ("👍👍", "is not one emoji."),
            ("thumbs up", "is not one emoji."),
            ("\u200d", "is not one emoji."),
            ("👍\u200d", "is not one emoji."),
            ("\u200f👍", "is not one emoji."),
            (":nope:", "No emoji is called :nope:."),
            ("x" * 10_000, f"at most {INPUT_MAX_LENGTH} characters"),
            ('"><script>alert(1)</script>', "is not one emoji."),
        ],
    )
    def test_bad_input_is_shown_with_what_was_typed_and_stores_nothing(
        self, bob_client, message, typed, error
    ):
        response = react(bob_client, message, typed, htmx=False)
        assert response.status_code == 200
        content = response.content.decode()
        assert 'role="alert"' in content
        assert error in content
        assert "<script>alert(1)" not in content
        # What was typed is kept in the field (escaped), to be fixed rather than typed again.
        assert f'value="{escape(typed)}"' in content
        assert reactions_of(message) == []
        assert Message.objects.get(pk=message.pk).revision == message.revision


class TestWithHtmx:
    def test_the_picker_comes_as_the_dialogs_content(self, bob_client, message):
        response = bob_client.get(react_url(message), headers=HTMX)
        assert response.status_code == 200
        assert response["HX-Retarget"] == "#reaction-picker"
        content = response.content.decode()
        assert content.startswith(f'<div class="picker" data-message="{message.pk}">')
        assert "<html" not in content

    def test_a_reaction_answers_with_the_message_to_merge(self, bob_client, bob, message):
        response = react(bob_client, message, "👍")
        assert response.status_code == 200
        assert response["HX-Reswap"] == "none"
        assert json.loads(response["HX-Trigger-After-Swap"]) == {"chat:reacted": {}}
        content = response.content.decode()
        assert content.startswith('<div hx-swap-oob="merge:#messages"><article')
        assert f'data-reactors="{bob.pk}"' in content
        assert 'aria-label="👍 1: bob"' in content

    def test_an_error_opens_the_picker_with_it(self, bob_client, message):
        response = react(bob_client, message, "nope")
        assert response.status_code == 200
        assert response["HX-Retarget"] == "#reaction-picker"
        assert response["HX-Reswap"] == "innerHTML"
        content = response.content.decode()
        assert "“nope” is not one emoji." in content
        assert 'value="nope"' in content
        assert 'aria-invalid="true"' in content


class TestRefusals:
    def test_reacting_too_fast_is_refused_with_429(self, settings, bob_client, message):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "react": "3/minute"}
        ratelimit.reset()
        for emoji in ("👍", "🎉", "😮"):
            assert react(bob_client, message, emoji).status_code == 200
        response = react(bob_client, message, "😢")
        assert response.status_code == 429
        assert "You are reacting too fast." in response.content.decode()
        assert 'value="😢"' in response.content.decode()
        assert [emoji for _, emoji in reactions_of(message)] == ["👍", "🎉", "😮"]
        # Invalid reactions do not count; other people are not held up.
        assert react(bob_client, message, "nope").status_code == 200
        alice = Client()
        alice.force_login(get_user_model().objects.get(username="alice"))
        assert react(alice, message, "😢").status_code == 200

    def test_a_deleted_message_refuses_reactions_clearly(self, bob_client, message):
        delete_message(message)
        response = react(bob_client, message, "👍", htmx=False)
        assert response.status_code == 200
        assert "This message was deleted: it takes no reactions." in response.content.decode()
        assert reactions_of(message) == []

    def test_outsiders_of_a_private_room_get_404(self, alice, bob_client):
        secret = open_room("secret", by=alice, private=True)
        message = post_message(secret, alice, "members only")
        assert bob_client.get(react_url(message)).status_code == 404
        assert react(bob_client, message, "👍").status_code == 404
        assert react(bob_client, message, "👍", htmx=False).status_code == 404
        assert reactions_of(message) == []

    def test_a_message_of_another_room_is_not_found_by_this_ones_url(self, bob_client, alice):
        elsewhere = post_message(open_room("elsewhere", by=alice), alice, "hi")
        url = reverse("reactions:react", args=["general", elsewhere.pk])
        Room.objects.get_or_create(name="general", defaults={"created_by": alice})
        assert bob_client.post(url, {"emoji": "👍"}).status_code == 404

    def test_anonymous_visitors_are_sent_to_log_in(self, message):
        response = react(Client(), message, "👍")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
        assert reactions_of(message) == []

    def test_only_get_and_post(self, bob_client, message):
        assert bob_client.put(react_url(message)).status_code == 405

    def test_a_post_without_the_csrf_token_is_refused(self, bob, message):
        client = Client(enforce_csrf_checks=True)
        client.force_login(bob)
        assert client.post(react_url(message), {"emoji": "👍"}).status_code == 403
        assert reactions_of(message) == []
