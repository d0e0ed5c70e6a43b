"""What a receiver's 2xx answer posts as the bot's reply: its text, or the "body" of its
JSON; nothing for an empty one. Hostile answers (huge, malformed, not UTF-8, over the
length limit) post nothing, are logged, never crash the worker and are never cut."""

from __future__ import annotations

import json
import logging

import pytest

from rooms.models import Message
from support.http_sites import gzip_bomb, reply
from tests.link_cards import web_fixture  # noqa: F401 (fixture)
from tests.webhooks import hooked_bot, post_and_deliver, replies_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pingbot(web):
    return hooked_bot(web)


@pytest.fixture
def ask(room, alice, pingbot, django_capture_on_commit_callbacks, caplog):
    """Mention the bot; what the delivery returned, and the log."""

    def ask(body: str = "@pingbot ping") -> str:
        with caplog.at_level(logging.INFO, logger="bots"):
            _message, [outcome] = post_and_deliver(
                django_capture_on_commit_callbacks, room, alice, body
            )
        return outcome

    return ask


def test_a_text_answer_is_posted_as_the_bots_reply(ask, pingbot, room):
    pingbot.receiver.answers = [reply("**Pong** to @alice")]
    assert ask() == "replied"
    asked = Message.objects.get(body="@pingbot ping")
    [answer] = replies_of(pingbot)
    assert (answer.room, answer.reply_to, answer.body) == (room, asked, "**Pong** to @alice")
    assert "<strong>Pong</strong>" in answer.body_html
    assert answer.mention_names == "alice"
    assert answer.author.profile.is_bot


def test_a_json_answer_posts_its_body(ask, pingbot):
    answer = json.dumps({"body": "Build 42: passed ✅", "ignored": [1, 2]})
    pingbot.receiver.answers = [reply(answer, "application/json")]
    assert ask() == "replied"
    assert [m.body for m in replies_of(pingbot)] == ["Build 42: passed ✅"]


def test_text_in_another_declared_charset_is_read_in_it(ask, pingbot):
    pingbot.receiver.answers = [reply("Café olé".encode("latin-1"), "text/plain; charset=latin-1")]
    assert ask() == "replied"
    assert [m.body for m in replies_of(pingbot)] == ["Café olé"]


def test_a_reply_of_exactly_the_length_limit_is_posted_whole(ask, pingbot, settings):
    text = "y" * settings.MESSAGE_MAX_LENGTH
    pingbot.receiver.answers = [reply(text)]
    assert ask() == "replied"
    assert [m.body for m in replies_of(pingbot)] == [text]


@pytest.mark.parametrize(
    "answer",
    [
        reply(b"", status=200),
        reply(b"", status=204),
        reply(" \n\t "),
        reply("{}", "application/json"),
        reply('{"body": ""}', "application/json"),
        reply('{"body": "   "}', "application/json"),
    ],
    ids=["empty", "no-content", "blank", "json-without-body", "json-empty", "json-blank"],
)
def test_an_empty_answer_posts_nothing(answer, ask, pingbot):
    pingbot.receiver.answers = [answer]
    assert ask() == "delivered"
    assert replies_of(pingbot) == []


HOSTILE = {
    "over-the-limit": (reply("z" * 10_001), "at most 10000 characters"),
    "json-over-the-limit": (
        reply(json.dumps({"body": "z" * 10_001}), "application/json"),
        "at most 10000 characters",
    ),
    "huge": (reply(b"a" * (1024 * 1024)), "over 65536 bytes"),
    "gzip-bomb": (gzip_bomb(content_type="text/plain"), "over 65536 bytes"),
    "malformed-json": (reply('{"body": "unfinished', "application/json"), "malformed JSON"),
    "json-not-an-object": (reply('["a", "list"]', "application/json"), "not an object"),
    "json-body-not-text": (reply('{"body": 42}', "application/json"), "not a string"),
    "json-not-utf-8": (reply(b'{"body": "\xff\xfe"}', "application/json"), "malformed JSON"),
    "text-not-utf-8": (reply(b"caf\xe9 \xff", "text/plain; charset=utf-8"), "not utf-8"),
    "unknown-charset": (reply(b"hello", "text/plain; charset=klingon"), "not klingon"),
    "html": (reply("<b>hi</b>", "text/html"), "type text/html"),
    "no-type": (reply(b"hi", ""), "type application/octet-stream"),
    "nul-character": (reply('{"body": "a\\u0000b"}', "application/json"), "refuses"),
}


@pytest.mark.parametrize(("answer", "logged"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_answer_posts_nothing_and_is_logged(answer, logged, ask, pingbot, caplog):
    pingbot.receiver.answers = [answer]
    assert ask() == "unusable"
    assert replies_of(pingbot) == []
    assert "Nothing posted for the webhook of bot pingbot" in caplog.text
    assert logged in caplog.text
    assert pingbot.receiver.hits == 1  # the receiver answered: no retry
