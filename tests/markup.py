"""What an HTML page or fragment is made of, as a browser's parser sees it (html.parser)."""

from __future__ import annotations

from html.parser import HTMLParser

Attributes = dict[str, str | None]
# One step of a parse: ("start", tag, attributes), ("end", tag) or ("text", data).
Event = tuple

# What a message body may contain: rooms/formatting.py's fixed Markdown subset.
BODY_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
BODY_LINK_ATTRIBUTES = [{"href", "rel"}, {"class", "href"}]
VOID_TAGS = {"br", "input", "meta", "link", "img", "hr", "wbr", "source", "area", "base", "col"}


class Markup(HTMLParser):
    """The elements of `html` in order; each message body's content; each textarea's text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, Attributes]] = []
        # The same, less what message bodies hold: the page's own structure.
        self.outer: list[tuple[str, Attributes]] = []
        # Message id -> what its body element holds, as parse events.
        self.bodies: dict[str, list[Event]] = {}
        # Message id -> what its edit field holds (an edit form's textarea).
        self.textareas: dict[str, str] = {}
        self._message: str | None = None
        self._body_depth = 0
        self._textarea: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if not self._body_depth:
            self.outer.append((tag, attributes))
        classes = (attributes.get("class") or "").split()
        if self._body_depth:
            self.bodies[self._message].append(("start", tag, tuple(sorted(attrs))))
            if tag not in VOID_TAGS:
                self._body_depth += 1
        elif "message" in classes and attributes.get("id"):
            self._message = attributes["id"]
        elif "body" in classes and self._message:
            self._body_depth = 1
            self.bodies[self._message] = []
        elif tag == "textarea" and self._message:
            self._textarea = self._message
            self.textareas[self._message] = ""

    def handle_endtag(self, tag: str) -> None:
        if self._body_depth:
            self._body_depth -= 1
            if self._body_depth:
                self.bodies[self._message].append(("end", tag))
        elif tag == "textarea":
            self._textarea = None
        elif tag in {"article", "form"}:
            self._message = None

    def handle_data(self, data: str) -> None:
        if self._body_depth:
            self.bodies[self._message].append(("text", data))
        elif self._textarea:
            self.textareas[self._textarea] += data

    @property
    def ids(self) -> list[str]:
        return [attributes["id"] or "" for _, attributes in self.elements if "id" in attributes]

    def shape(self) -> list[tuple[str, tuple[str, ...]]]:
        """Tag and attribute names of each element outside message bodies: the page's own
        structure, which nothing anyone types can change."""
        return [(tag, tuple(sorted(attributes))) for tag, attributes in self.outer]

    def scripts(self) -> list[Attributes]:
        return [attributes for tag, attributes in self.elements if tag == "script"]

    def event_handlers(self) -> list[str]:
        return [
            name for _, attributes in self.elements for name in attributes if name.startswith("on")
        ]


def body_events(body_html: str) -> list[Event]:
    """A message's stored body_html as the parse events a page's body element must hold."""
    return Markup(f'<article class="message" id="m"><div class="body">{body_html}</div>').bodies[
        "m"
    ]


def outside_the_subset(events: list[Event]) -> list[Event]:
    """Elements a body holds that the formatter never writes (there must be none)."""
    wrong = []
    for event in events:
        if event[0] != "start":
            continue
        _, tag, attrs = event
        names = {name for name, _ in attrs}
        allowed = BODY_LINK_ATTRIBUTES if tag == "a" else [set()]
        if tag not in BODY_TAGS or names not in allowed:
            wrong.append(event)
    return wrong


def visible_text(events: list[Event]) -> str:
    """A body's text as shown: each <br> or new block starts a line."""
    text = ""
    for event in events:
        if event[0] == "text":
            text += event[1]
        elif event[0] == "start" and event[1] in {"br", "p", "li", "pre", "blockquote"} and text:
            text += "\n"
    return text


# Hostile message bodies, each of which must reach every page as plain text. Payloads that
# would run set `window.__xss`, so a browser test can tell that none did.
HOSTILE_BODIES: dict[str, str] = {
    "script": "<script>window.__xss = 'script'</script>",
    "img-onerror": "<img src=x onerror=\"window.__xss = 'img'\">",
    "javascript-url": "<a href=\"javascript:window.__xss = 'link'\">click me</a>",
    "bare-javascript-url": "javascript:window.__xss = 'bare'",
    "attribute-breakout": '"><svg onload="window.__xss = \'svg\'">',
    "single-quote-breakout": "'><svg/onload=window.__xss='svg2'>",
    "oob-swap-messages": '<div id="messages" hx-swap-oob="true">all gone</div>',
    "oob-swap-composer": '<form id="composer" hx-swap-oob="outerHTML" action="/x"></form>',
    "hx-post-button": '<button hx-post="/x" hx-trigger="load">free stuff</button>',
    "hx-on": "<div hx-on:htmx:load=\"window.__xss = 'hx-on'\">x</div>",
    "hx-vals-js": '<div hx-get="/chat/" hx-vals="js:{a: window.__xss = 1}" hx-trigger="load">',
    "template-variables": "{{ request.user.password }} {{ settings.SECRET_KEY }} {{ csrf_token }}",
    "template-tags": "{% debug %}{% csrf_token %}{% load static %}{% include 'base.html' %}",
    "template-comment": "{# hidden #}{% comment %}gone{% endcomment %}",
    "style-element": "<style>body { display: none }</style>",
    "iframe": '<iframe src="javascript:window.__xss=1"></iframe>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "base-href": '<base href="https://evil.example/">',
    "closing-tags": "</p></article></div></main><p>outside",
    "textarea-breakout": "</textarea><script>window.__xss = 'textarea'</script>",
    "noscript-breakout": '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">',
    "svg-foreign-object": "<svg><foreignObject><script>window.__xss=1</script></foreignObject>",
    "html-comment-cdata": "<!-- comment --><![CDATA[ x ]]><!DOCTYPE html>",
    "entities": "&lt;script&gt; &amp;amp; &#x3C;b&#x3E; &nbsp; &#0;",
    "json-frame": '{"type": "room.html", "html": "<script>window.__xss=1</script>"}',
    "sql": "'; DROP TABLE rooms_message; --",
    "control-characters": "bell\x07 bs\x08 esc\x1b[31m vt\x0b ff\x0c del\x7f c1\x85\x9b",
    "rtl-override": "\u202eexe.txt\u202c \u2066isolate\u2069 \u200fmark \u061cx",
    "zero-width": "a\u200bb\u200cc\u200dd\ufeffe\u2060f",
    "astral-and-emoji": "\U0001d54f \U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f3f3\ufe0f",
    "newlines-and-tabs": "line one\r\nline two\n\n\tindented\rcarriage",
    "2000-combining-marks": "Z" + "\u0336" * 1999,
}

# Bodies that must be refused with a visible error, storing nothing.
REFUSED_BODIES: dict[str, str] = {
    "10000-combining-marks": "Z" + "\u0301" * 10_000,
    "10001-characters": "x" * 10_001,  # one over settings.MESSAGE_MAX_LENGTH's default
    "only-whitespace": " \t\r\n\u3000\u2028 ",
    "nul-character": "before\x00after",
    "empty": "",
}
