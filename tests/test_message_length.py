"""No text is cut silently: the composer and the edit form carry no maxlength (the browser
would drop what is pasted beyond it), the server refuses an over-long message with its own
error and the text intact, and the longest valid message of 4-byte characters fits a request."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from rooms import actions
from rooms.models import Message
from tests.markup import Markup
from tests.security import (
    FORM,
    HTMX,
    fresh_rate_limits,  # noqa: F401 (autouse: every test here)
    post,
)

EMOJI = "\U0001f600"


def test_the_default_limit_is_10000_characters():
    assert django_settings.MESSAGE_MAX_LENGTH == 10000


def test_the_composer_has_no_maxlength_but_the_limit_and_its_error(alice_client, room):
    page = alice_client.get(room.get_absolute_url()).content.decode()
    composer = page[page.index('id="composer"') :]
    textarea = composer[composer.index("<textarea") : composer.index("</textarea>")]
    assert "maxlength" not in textarea
    assert 'data-max-length="10000"' in textarea
    counter = Markup(page).ids
    assert "composer-counter" in counter
    assert "outbox" in counter
    assert "Messages are at most %(limit_value)d characters" in page


@pytest.mark.parametrize("htmx", [True, False])
def test_the_longest_emoji_message_fits_a_form_encoded_request(alice_client, room, htmx):
    body = EMOJI * 10000
    # URL-encoded, each 4-byte character takes 12 bytes: 120 000 bytes in all.
    assert len(urlencode({"body": body})) > 64 * 1024
    response = post(alice_client, room, body, htmx=htmx)
    assert response.status_code in {200, 302}
    assert Message.objects.get().body == body


def test_the_longest_emoji_message_fits_a_multipart_request(alice_client, room):
    body = EMOJI * 10000
    response = alice_client.post(f"/chat/{room.name}/messages/", {"body": body}, headers=HTMX)
    assert response.status_code == 200
    assert Message.objects.get().body == body


@pytest.mark.parametrize("body", ["x" * 10001, EMOJI * 10001, "<b>" * 3334])
def test_an_over_long_message_is_refused_with_the_text_intact(alice_client, room, body):
    response = post(alice_client, room, body)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Messages are at most 10000 characters" in page
    assert "composer-error" in Markup(page).ids
    assert not Message.objects.exists()


def test_an_over_long_message_comes_back_whole_in_the_textarea(alice_client, room):
    body = "y" * 10001
    page = post(alice_client, room, body).content.decode()
    assert f">{body}</textarea>" in page or f">\n{body}</textarea>" in page


def test_an_edit_follows_the_same_limit_and_is_never_cut(alice, alice_client, room):
    message = actions.post_message(room, alice, "first", None)
    url = reverse("rooms:edit", args=[room.name, message.pk])
    form = alice_client.get(url, headers=HTMX).content.decode()
    assert "maxlength" not in form
    assert 'data-max-length="10000"' in form
    longest = "z" * 10000
    saved = alice_client.post(url, urlencode({"body": longest}), content_type=FORM, headers=HTMX)
    assert saved.status_code == 200
    message.refresh_from_db()
    assert message.body == longest
    over = "w" * 10001
    refused = alice_client.post(url, urlencode({"body": over}), content_type=FORM, headers=HTMX)
    page = refused.content.decode()
    assert "Messages are at most 10000 characters (this one has 10001)." in page
    assert over in page
    message.refresh_from_db()
    assert message.body == longest
