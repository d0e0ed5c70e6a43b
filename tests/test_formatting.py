"""Message formatting: the Markdown subset, links, @mentions, and hostile bodies made inert.

Every output is also checked the way a browser would read it (html.parser): only the
subset's tags, and no attribute but a link's safe href and rel, or a mention's class.
"""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rooms import formatting, mentions
from rooms.actions import add_member, open_room, post_message
from rooms.formatting import Formatted, format_message
from rooms.mentions import mention_candidates
from support.long_bodies import LONG_BODIES

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
VOID_TAGS = {"br"}
REL = "nofollow noopener noreferrer"
SAFE_HREF = re.compile(r"(?:https?://[^/?#\s\\]|mailto:\S)", re.IGNORECASE)
MENTION_HREF = re.compile(r"/chat/@[^/\s\"'<>]+/")
MEMBERS = {"bob": "Bob", "carol": "carol", "d.o-t_s+": "d.o-t_s+"}


class Rendered(HTMLParser):
    """What a browser makes of formatted HTML; fails on anything outside the subset."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[dict[str, str | None]] = []
        # The visible text, a <br> or a new block counting as one newline.
        self.text = ""
        self._open: list[str] = []
        self.feed(html)
        self.close()
        assert not self._open, f"unclosed {self._open} in {html!r}"
        assert not self.rawdata, f"unparsed {self.rawdata!r}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        attributes = dict(attrs)
        assert len(attributes) == len(attrs), f"repeated attribute: {attrs}"
        if tag == "a":
            assert self._check_link(attributes), attrs
            self.links.append(attributes)
        else:
            assert attrs == [], f"<{tag}> has {attrs}"
        starts_line = tag == "br" or tag in ("p", "li", "pre", "blockquote", "ul", "ol")
        if starts_line and self.text:
            self.text += "\n"
        if tag not in VOID_TAGS:
            self._open.append(tag)
        self.tags.append(tag)

    @staticmethod
    def _check_link(attributes: dict[str, str | None]) -> bool:
        href = attributes.get("href") or ""
        if attributes.get("class") == "mention":
            return set(attributes) == {"class", "href"} and MENTION_HREF.fullmatch(href) is not None
        return (
            set(attributes) == {"href", "rel"}
            and attributes["rel"] == REL
            and SAFE_HREF.match(href) is not None
        )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        assert self._open, f"</{tag}> closes nothing"
        assert self._open.pop() == tag, f"</{tag}> closes another element"

    def handle_data(self, data: str) -> None:
        self.text += data

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        raise AssertionError(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        raise AssertionError(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        raise AssertionError(f"declaration {data!r}")


def fmt(body: str, mentionable: dict[str, str] | None = None) -> Formatted:
    formatted = format_message(body, MEMBERS if mentionable is None else mentionable)
    Rendered(formatted.html)
    return formatted


def html(body: str, mentionable: dict[str, str] | None = None) -> str:
    return str(fmt(body, mentionable).html)


def a(href: str, text: str | None = None) -> str:
    return f'<a href="{href}" rel="{REL}">{href if text is None else text}</a>'


def mention(username: str) -> str:
    return f'<a class="mention" href="/chat/@{username}/">@{username}</a>'


# The subset ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("hello", "<p>hello</p>"),
        ("**bold** and __bold__", "<p><strong>bold</strong> and <strong>bold</strong></p>"),
        ("*italic* and _italic_", "<p><em>italic</em> and <em>italic</em></p>"),
        ("***both***", "<p><em><strong>both</strong></em></p>"),
        ("snake_case_name", "<p>snake_case_name</p>"),
        ("`a <b> & c`", "<p><code>a &lt;b&gt; &amp; c</code></p>"),
        ("``x ` y``", "<p><code>x ` y</code></p>"),
        (
            "```\nline 1\n  <i>line 2</i>\n```",
            "<pre><code>line 1\n  &lt;i&gt;line 2&lt;/i&gt;</code></pre>",
        ),
        ("~~~\ncode\n~~~", "<pre><code>code</code></pre>"),
        ("    indented\n      more", "<pre><code>indented\n  more</code></pre>"),
        ("> quoted\n> lines", "<blockquote><p>quoted<br>lines</p></blockquote>"),
        (
            "> outer\n>> inner",
            "<blockquote><p>outer</p><blockquote><p>inner</p></blockquote></blockquote>",
        ),
        ("- one\n- two", "<ul><li>one</li><li>two</li></ul>"),
        ("* one\n+ two", "<ul><li>one</li></ul><ul><li>two</li></ul>"),
        ("1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"),
        ("1) one\n2) two", "<ol><li>one</li><li>two</li></ol>"),
        ("- one\n\n- two", "<ul><li><p>one</p></li><li><p>two</p></li></ul>"),
        ("- one\n  - nested", "<ul><li>one<ul><li>nested</li></ul></li></ul>"),
        ("- **b** `c`", "<ul><li><strong>b</strong> <code>c</code></li></ul>"),
        ("one\ntwo\nthree", "<p>one<br>two<br>three</p>"),
        ("one  \ntwo\\\nthree", "<p>one<br>two<br>three</p>"),
        ("para\n\nnext", "<p>para</p><p>next</p>"),
        ("\\*not italic\\*", "<p>*not italic*</p>"),
        ("&lt;b&gt; &amp; &copy;", "<p>&lt;b&gt; &amp; ©</p>"),
        (
            "[text](https://example.com/a?b=1&c=2)",
            f"<p>{a('https://example.com/a?b=1&amp;c=2', 'text')}</p>",
        ),
        (
            "[**bold** link](http://x.org)",
            f"<p>{a('http://x.org', '<strong>bold</strong> link')}</p>",
        ),
        ("[mail](mailto:a@example.com)", f"<p>{a('mailto:a@example.com', 'mail')}</p>"),
        ("<https://example.com>", f"<p>{a('https://example.com')}</p>"),
        ("see https://example.com/x.", f"<p>see {a('https://example.com/x')}.</p>"),
        ("www.example.com", f"<p>{a('http://www.example.com', 'www.example.com')}</p>"),
        ("a@example.com", f"<p>{a('mailto:a@example.com', 'a@example.com')}</p>"),
    ],
)
def test_the_subset(body, expected):
    assert html(body) == expected


def test_a_fenced_code_blocks_language_is_dropped_not_made_a_class():
    assert html('```python" onclick="x\nprint(1)\n```') == "<pre><code>print(1)</code></pre>"
    assert html("```js {#id .cls hx-get=/x}\nx\n```") == "<pre><code>x</code></pre>"


def test_an_ordered_lists_start_number_is_dropped_with_every_other_attribute():
    assert html("3. three\n4. four") == "<ol><li>three</li><li>four</li></ol>"


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("# not a heading", "# not a heading"),
        ("Title\n=====", "Title\n====="),
        ("Title\n-----", "Title\n-----"),
        ("---", "---"),
        ("***", "***"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "| a | b |\n|---|---|\n| 1 | 2 |"),
        ("~~struck~~", "~~struck~~"),
        ("<b>raw</b>", "<b>raw</b>"),
        ("<div>\nblock\n</div>", "<div>\nblock\n</div>"),
        ("<!-- comment -->", "<!-- comment -->"),
        ("[ref]: /somewhere\n[x][ref]", "[ref]: /somewhere\n[x][ref]"),
        (
            "[ref]: javascript:alert(1)\n[x][ref] [ref]",
            "[ref]: javascript:alert(1)\n[x][ref] [ref]",
        ),
    ],
)
def test_what_is_not_in_the_subset_shows_as_typed(body, text):
    rendered = Rendered(html(body))
    assert rendered.text == text
    assert set(rendered.tags) <= {"p", "br"}


def test_an_image_is_a_link_to_it_not_an_image():
    assert html("![alt](https://example.com/i.png)") == (
        f"<p>!{a('https://example.com/i.png', 'alt')}</p>"
    )


def test_output_is_stable():
    body = "**Hi** @bob, see [this](https://example.com) and `code`\n> quote\n- a\n- b"
    first = fmt(body)
    assert all(fmt(body) == first for _ in range(5))
    assert isinstance(first.html, SafeString)


def test_threads_get_the_same_output():
    body = "see example.com and a@b.co and @bob " * 20
    expected = html(body)
    results: list[str] = []

    def work() -> None:
        results.extend(html(body) for _ in range(20))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 80


def test_a_new_thread_takes_a_parser_another_left_instead_of_building_one():
    # Under ASGI each request has a new thread: a parser per thread was built per request.
    html("warm")
    idle = formatting._idle.qsize()
    for _ in range(3):
        thread = threading.Thread(target=html, args=("**hello** example.com",))
        thread.start()
        thread.join()
    assert idle >= 1
    assert formatting._idle.qsize() == idle


# Links ---------------------------------------------------------------------------------------


def test_every_link_gets_rel_and_nothing_else():
    body = (
        "[a](http://a.com) <https://b.com> https://c.com www.d.com e.com f@g.com "
        '<mailto:h@i.com> [j](https://j.com "title")'
    )
    rendered = Rendered(html(body))
    assert len(rendered.links) == 8
    assert all(link == {"href": link["href"], "rel": REL} for link in rendered.links)


def test_a_links_title_is_dropped():
    assert html('[x](http://a.com "a title")') == f"<p>{a('http://a.com', 'x')}</p>"


def test_auto_links_show_what_was_typed():
    # No percent- or punycode-decoding of the text: it shows the host the link goes to.
    assert html("http://xn--80ak6aa92e.com/%41") == (f"<p>{a('http://xn--80ak6aa92e.com/%41')}</p>")
    assert html("<https://example.com/a%20b>") == f"<p>{a('https://example.com/a%20b')}</p>"


def test_unicode_hosts_are_linked_to_their_punycode():
    assert html("[x](https://bücher.example/)") == (
        f"<p>{a('https://xn--bcher-kva.example/', 'x')}</p>"
    )


@pytest.mark.parametrize(
    "body",
    [
        "ftp://example.com/file",
        "//example.com/x",
        "[x](/relative)",
        "[x](//example.com)",
        "[x](#top)",
        "[x](ftp://example.com)",
        "[x](irc://example.com)",
        "<ftp://example.com>",
        "[x](http://)",
        "[x]()",
    ],
)
def test_only_http_https_and_mailto_links_survive(body):
    assert Rendered(html(body)).links == []


# Mentions ------------------------------------------------------------------------------------


def test_a_mentionable_name_links_to_a_conversation_with_them():
    formatted = fmt("hi @bob!")
    assert formatted.html == f"<p>hi {mention('Bob')}!</p>"
    assert formatted.mentions == {"Bob"}


def test_mentions_ignore_case_and_show_the_stored_spelling():
    formatted = fmt("@BOB @Bob @bob and @Carol")
    assert (
        formatted.html
        == f"<p>{mention('Bob')} {mention('Bob')} {mention('Bob')} and {mention('carol')}</p>"
    )
    assert formatted.mentions == {"Bob", "carol"}


def test_someone_not_mentionable_is_plain_text():
    formatted = fmt("hi @dave and @bob", {"bob": "bob"})
    assert formatted.html == f"<p>hi @dave and {mention('bob')}</p>"
    assert formatted.mentions == {"bob"}
    assert fmt("hi @bob", {}).html == "<p>hi @bob</p>"
    assert fmt("hi @bob", {}).mentions == frozenset()


def test_an_email_address_is_no_mention():
    formatted = fmt("write to email@bob.com or bob@example.com, not x@bob")
    assert formatted.mentions == frozenset()
    assert "mention" not in formatted.html


@pytest.mark.parametrize(
    "body",
    [
        "`@bob`",
        "``code @bob``",
        "```\n@bob\n```",
        "    @bob in an indented block",
        "[hi @bob](https://example.com)",
        "https://example.com/@bob",
        "<https://example.com/@bob>",
        "\\@bob",
        "&#64;bob",
        "@@bob",
        "x@bob",
        "\\_@bob",
    ],
)
def test_no_mention_in_code_links_or_escapes(body):
    formatted = fmt(body)
    assert formatted.mentions == frozenset()
    assert 'class="mention"' not in formatted.html


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@bob.", f"<p>{mention('Bob')}.</p>"),
        ("@bob...", f"<p>{mention('Bob')}...</p>"),
        ("(@bob)", f"<p>({mention('Bob')})</p>"),
        ("**@bob**", f"<p><strong>{mention('Bob')}</strong></p>"),
        ("> @bob", f"<blockquote><p>{mention('Bob')}</p></blockquote>"),
        ("- @bob", f"<ul><li>{mention('Bob')}</li></ul>"),
        ("@bob,@carol", f"<p>{mention('Bob')},{mention('carol')}</p>"),
        ("@bob_", "<p>@bob_</p>"),
        ("@d.o-t_s+ hi", '<p><a class="mention" href="/chat/@d.o-t_s+/">@d.o-t_s+</a> hi</p>'),
    ],
)
def test_mentions_in_context(body, expected):
    assert html(body) == expected


def test_mention_candidates():
    assert mention_candidates("@Bob, @carol. `@dave` x@erin @@frank @g.h-i_j+ @") == {
        "bob",
        "carol",
        "dave",
        "g.h-i_j+",
    }
    assert mention_candidates("no one") == set()


@pytest.mark.django_db
def test_a_private_room_mentions_only_its_members(alice, bob):
    outsider = type(alice).objects.create_user("Carol", password="x")
    private = open_room("secret", by=alice, private=True)
    add_member(private, bob)
    message = post_message(private, alice, "@bob @carol @alice @nobody")
    assert message.mention_names == "alice bob"
    assert message.body_html == f"<p>{mention('bob')} @carol {mention('alice')} @nobody</p>"
    assert set(message.mentions.all()) == {alice, bob}
    public = open_room("general", by=alice)
    assert post_message(public, bob, "@CAROL").body_html == f"<p>{mention('Carol')}</p>"
    assert outsider in public.messages.get().mentions.all()


# Hostile bodies --------------------------------------------------------------------------------

XSS = {
    "script": "<script>alert(1)</script>",
    "script-in-emphasis": "**<script>alert(1)</script>**",
    "inline-link": "[x](javascript:alert(1))",
    "inline-link-spaced": "[x]( javascript:alert(1) )",
    "inline-link-angle": "[x](<javascript:alert(1)>)",
    "inline-link-upper": "[x](JAVASCRIPT:alert(1))",
    "inline-link-mixed": "[x](JaVaScRiPt:alert(1))",
    "inline-link-entity": "[x](&#106;avascript:alert(1))",
    "inline-link-hex-entity": "[x](&#x6A;avascript&#x3A;alert(1))",
    "inline-link-named-entity": "[x](javascript&colon;alert(1))",
    "inline-link-tab": "[x](java\tscript:alert(1))",
    "inline-link-tab-entity": "[x](java&#x09;script:alert(1))",
    "inline-link-newline": "[x](<java\nscript:alert(1)>)",
    "inline-link-newline-entity": "[x](java&#10;script:alert(1))",
    "inline-link-percent": "[x](javascript%3Aalert(1))",
    "inline-link-leading-control": "[x](\x01javascript:alert(1))",
    "inline-link-backslash": "[x](javascript\\:alert(1))",
    "autolink": "<javascript:alert(1)>",
    "autolink-upper": "<JAVASCRIPT:alert(1)>",
    "autolink-entity": "<&#106;avascript:alert(1)>",
    "linkified": "javascript:alert(1)",
    "linkified-slashes": "javascript://example.com/%0Aalert(1)",
    "linkified-upper": "JAVASCRIPT:alert(1)",
    "data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data-image": "[x](data:image/png;base64,AAAA)",
    "vbscript": "[x](vbscript:msgbox(1))",
    "file": "[x](file:///etc/passwd)",
    "reference": "[x][r]\n\n[r]: javascript:alert(1)",
    "image": "![x](javascript:alert(1))",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-breakout": '"><svg onload=alert(1)>',
    "single-breakout": "'><svg/onload=alert(1)>",
    "oob-composer": '<div id="composer" hx-swap-oob="true">',
    "oob-messages": '<div id="messages" hx-swap-oob="true">all gone</div>',
    "hx-post": '<button hx-post="/x">free</button>',
    "hx-on": '<div hx-on:click="alert(1)">x</div>',
    "template-variable": "{{ user }} {{ request.user.password }}",
    "template-tag": "{% csrf_token %}{% debug %}",
    "title-breakout": '[x](http://a "title\\" onmouseover=alert(1)")',
    "title-single-quote": "[x](http://a 'a' onmouseover='alert(1)')",
    "href-quote": '[x](http://a"onmouseover="alert(1))',
    "href-quote-entity": "[x](http://a&quot;onmouseover=&quot;alert(1))",
    "linkified-quote": 'http://a.com/"onmouseover="alert(1)',
    "fence-info": '```"><script>alert(1)</script>\nx\n```',
    "fence-info-attrs": "```{.x #composer hx-swap-oob=true}\nx\n```",
    "style": "<style>*{display:none}</style>",
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "comment": "<!-- x --><![CDATA[ y ]]><!DOCTYPE html><?php x ?>",
    "closing-tags": "</p></div></article><p>outside",
    "control-characters": "bell\x07 bs\x08 esc\x1b[31m vt\x0b ff\x0c del\x7f c1\x85\x9b nul\x00",
    "rtl-override": "\u202eexe.txt\u202c \u2066isolate\u2069 \u200fmark [\u202ex](https://a.com)",
    "combining-10000": "Z" + "\u0301" * 10_000,
    "nested-quotes": ">" * 2000,
    "nested-lists": "- " * 1000 + "x",
    "nested-brackets": "[" * 1000 + "x" + "](javascript:alert(1))" * 40,
    "mention-breakout": '@bob"><script>alert(1)</script>',
}


@pytest.mark.parametrize("name", XSS)
def test_hostile_bodies_render_inert(name):
    body = XSS[name]
    formatted = format_message(body, MEMBERS)
    rendered = Rendered(formatted.html)
    for link in rendered.links:
        assert "javascript" not in (link["href"] or "").lower()
    # Whatever was typed as markup can only be text now: no element gets an attribute
    # but those checked above, so no id, class, style, hx-* or on* can have survived.
    lowered = formatted.html.lower()
    for needle in ("<script", "<img", "<svg", "<div", "<button", "<iframe", "<style", "<!--"):
        assert needle not in lowered
    assert re.search(r"\s(on\w+|id|style|hx-[\w:-]+|src)\s*=", _tags_only(formatted.html)) is None


def _tags_only(html: str) -> str:
    return " ".join(re.findall(r"<[^>]*>", html))


def test_hostile_bodies_are_shown_as_typed():
    for body in ("<script>alert(1)</script>", '<div id="composer" hx-swap-oob="true">'):
        assert Rendered(html(body)).text == body
    assert html("{{ user }} {% csrf_token %}") == "<p>{{ user }} {% csrf_token %}</p>"


def test_template_syntax_in_a_body_is_never_evaluated():
    formatted = format_message("{{ user }} {% csrf_token %}", {})
    page = Template("<div>{{ html }}</div>").render(Context({"html": formatted.html, "user": "X"}))
    assert page == "<div><p>{{ user }} {% csrf_token %}</p></div>"


def test_control_and_bidi_characters_stay_inert_text():
    body = "a\x07b\x1bc\u202ed\u2066e"
    assert Rendered(html(body)).text == body
    assert html("nul\x00") == "<p>nul\ufffd</p>"


def test_too_deep_nesting_shows_the_body_as_typed():
    body = ">" * 30 + " deep **x**\n" + "- " * 15 + "@bob"
    formatted = fmt(body)
    assert Rendered(formatted.html).text == body
    assert formatted.mentions == frozenset()
    # Nesting a little less deep is still Markdown.
    assert html(">" * 15 + " deep").count("<blockquote>") == 15


@pytest.mark.parametrize("name", LONG_BODIES)
def test_long_bodies_are_inert(name):
    # How long each takes is measured by `python -m bench.formatting`, not asserted here.
    Rendered(format_message(LONG_BODIES[name], MEMBERS).html)


# Properties --------------------------------------------------------------------------------------


@hypothesis_settings(max_examples=400, deadline=None)
@given(body=st.text(max_size=300))
def test_any_text_renders_only_the_subsets_markup(body):
    Rendered(format_message(body, MEMBERS).html)


MARKDOWN_ALPHABET = st.sampled_from(
    [*"*_`[]()<>!#-+=|~&\\:@.\n >\t1", "http://", "www.", "a.com", "@bob", "```", "    "]
)


@hypothesis_settings(max_examples=400, deadline=None)
@given(body=st.lists(st.one_of(MARKDOWN_ALPHABET, st.text(max_size=3)), max_size=60).map("".join))
def test_any_markdown_soup_renders_only_the_subsets_markup(body):
    formatted = format_message(body, MEMBERS)
    Rendered(formatted.html)
    assert formatted.mentions <= {"Bob"}


# Characters that Markdown, auto-linking or mentions can give a meaning, and whitespace
# (which Markdown trims at line ends and turns into paragraphs and code blocks).
SPECIAL = set("\\`*_[]()<>!#+-=|~&:@.{}\"'/%;?$^,") | {"\r", "\x00"}
PLAIN_CHARACTERS = st.characters(
    exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"], exclude_characters=SPECIAL
)
PLAIN_WORDS = st.text(PLAIN_CHARACTERS, min_size=1, max_size=12)
PLAIN_LINES = st.lists(PLAIN_WORDS, min_size=1, max_size=8).map(" ".join)


@hypothesis_settings(max_examples=400, deadline=None)
@given(lines=st.lists(PLAIN_LINES, min_size=1, max_size=6))
def test_plain_text_is_shown_exactly_as_typed(lines):
    body = "\n".join(lines)
    # Newlines become <br>; each is one newline in the visible text.
    assert Rendered(format_message(body, {}).html).text == body


@pytest.mark.parametrize("username", ["bob", "Bob", "d.o-t_s+", "zoë", "名前"])
def test_mention_links_go_to_the_direct_message_url(username, monkeypatch):
    expected = f"/chat/@{quote(username, safe='+')}/"
    assert html(f"@{username}", {username.lower(): username}) == (
        f'<p><a class="mention" href="{expected}">@{username}</a></p>'
    )

    # With or without rooms.urls naming it, the path is the same.
    def lobby_only(name, **kwargs):
        if name != "rooms:lobby":
            raise NoReverseMatch(name)
        return reverse(name, **kwargs)

    monkeypatch.setattr(mentions, "reverse", lobby_only)
    assert mentions.direct_url(username) == expected
