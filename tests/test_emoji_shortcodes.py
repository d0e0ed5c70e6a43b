""":shortcode: in messages: the emoji in text, as typed in code, links and unknown codes."""

from __future__ import annotations

import pytest

from rooms.actions import post_message
from rooms.formatting import format_message
from tests.test_formatting import Rendered


def html(body: str) -> str:
    rendered = format_message(body, {"bob": "bob"}).html
    Rendered(rendered)  # only the subset's tags, whatever was typed
    return rendered


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ship it :tada:", "<p>ship it 🎉</p>"),
        (":thumbsup: :+1: :thumbs_up:", "<p>👍 👍 👍</p>"),
        (":heart::joy:", "<p>❤️😂</p>"),
        ("**:fire:** and *:smile:*", "<p><strong>🔥</strong> and <em>😄</em></p>"),
        ("- :one:\n- :two:", "<ul>\n<li>1️⃣</li>\n<li>2️⃣</li>\n</ul>".replace("\n", "")),
        ("> :wave:", "<blockquote><p>👋</p></blockquote>"),
    ],
)
def test_known_shortcodes_become_emoji(body, expected):
    assert html(body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Unknown codes, case and half codes stay as typed.
        (":nope: :THUMBSUP: :tada", "<p>:nope: :THUMBSUP: :tada</p>"),
        ("at 10:30:45", "<p>at 10:30:45</p>"),
        # Code keeps what was typed.
        ("`:tada:`", "<p><code>:tada:</code></p>"),
        ("```\n:tada:\n```", "<pre><code>:tada:</code></pre>"),
        ("    :tada:", "<pre><code>:tada:</code></pre>"),
        # An escaped colon starts no shortcode.
        ("\\:tada:", "<p>:tada:</p>"),
    ],
)
def test_code_escapes_and_unknown_codes_stay_as_typed(body, expected):
    assert html(body) == expected


def test_links_keep_their_text_and_target():
    assert html("[:tada:](https://example.com/:tada:)") == (
        '<p><a href="https://example.com/:tada:" rel="nofollow noopener noreferrer">:tada:</a></p>'
    )
    assert html("see https://example.com/:tada:/ now") == (
        '<p>see <a href="https://example.com/:tada:/" rel="nofollow noopener noreferrer">'
        "https://example.com/:tada:/</a> now</p>"
    )


def test_mentions_and_shortcodes_side_by_side():
    formatted = format_message("@bob:wave: hi", {"bob": "bob"})
    assert formatted.html == '<p><a class="mention" href="/chat/@bob/">@bob</a>👋 hi</p>'
    assert formatted.mentions == {"bob"}


def test_hostile_text_around_a_shortcode_stays_inert():
    assert html("<b>:tada:</b> &amp; :tada:") == "<p>&lt;b&gt;🎉&lt;/b&gt; &amp; 🎉</p>"


def test_a_long_body_of_shortcodes_is_rendered_whole():
    body = ":tada:" * 330 + ":nope:"  # 1986 characters, within a message's limit
    assert html(body) == "<p>" + "🎉" * 330 + ":nope:</p>"


def test_a_posted_message_keeps_its_text_and_shows_the_emoji(room, alice):
    message = post_message(room, alice, "well done :clap:")
    assert message.body == "well done :clap:"
    assert message.body_html == "<p>well done 👏</p>"
