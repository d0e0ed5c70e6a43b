"""What tests/test_security_*.py share: posting as htmx or a plain form, checking that a
message is shown inertly, waiting for a frame, and fresh rate limits for every test (import
`fresh_rate_limits` into a module to make it apply there)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from chatsite import ratelimit
from rooms.forms import MessageForm
from rooms.models import Message, Room
from tests.markup import Markup, body_events, outside_the_subset

HTMX = {"HX-Request": "true"}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Every test starts with no one over a limit, and leaves no counts to other modules.
    ratelimit.reset()
    yield
    ratelimit.reset()


def post(client: Client, room: Room, body: str, *, htmx: bool = True, **extra):
    headers = HTMX if htmx else {}
    return client.post(
        f"/chat/{room.name}/messages/",
        urlencode({"body": body}),
        content_type=FORM,
        headers=headers,
        **extra,
    )


def expected_text(body: str) -> str:
    """What the server stores for `body`: the form's own cleaning (it trims whitespace)."""
    form = MessageForm({"body": body})
    assert form.is_valid(), form.errors
    return form.cleaned_data["body"]


def shown_inertly(html: str, message: Message) -> list:
    """What the page's body element of `message` holds, checked: exactly the stored
    body_html (the formatter's output, nothing the template or the text added), and only
    the formatter's own tags and attributes."""
    events = Markup(html).bodies[f"message-{message.pk}"]
    assert events == body_events(message.body_html)
    assert outside_the_subset(events) == []
    return events


def edit_field(client: Client, message: Message) -> str:
    """The message as its author gets it back to edit: the raw text, in a textarea."""
    page = client.get(f"/chat/{message.room.name}/messages/{message.pk}/edit/")
    assert page.status_code == 200
    return Markup(page.content.decode()).textareas[f"message-{message.pk}"]


def without_message_ids(ids: list[str]) -> list[str]:
    return [re.sub(r"^message-\d+$", "message-N", element_id) for element_id in ids]


async def next_frame_with(socket: WebsocketCommunicator, text: str) -> str:
    """The next frame that contains `text`; frames about other things (presence) pass by."""
    while True:
        frame = await socket.receive_from(timeout=30)
        if text in frame:
            return frame
