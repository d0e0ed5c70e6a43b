"""What a link card says, read from real HTML; which link gets one; what its picture becomes."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from previews import images, pages
from previews.links import first_link
from previews.pages import summarize
from rooms.formatting import format_message
from tests.link_cards import png_bomb

URL = "https://news.example/articles/1"


def summary_of(html: str | bytes, charset: str | None = "utf-8", url: str = URL):
    body = html.encode() if isinstance(html, str) else html
    return summarize(body, charset, url)


class TestPages:
    def test_open_graph_wins_over_the_rest(self):
        summary = summary_of(
            """<!doctype html><html><head><title>Plain title</title>
            <meta name="description" content="Plain description">
            <meta property="og:title" content="OG title">
            <meta property="og:description" content="OG description">
            <meta property="og:site_name" content="Example News">
            <meta property="og:image" content="/img/cover.png">
            <meta name="twitter:title" content="Twitter title">
            </head><body><p>Hello</p></body></html>"""
        )
        assert summary.title == "OG title"
        assert summary.description == "OG description"
        assert summary.site_name == "Example News"
        assert summary.image_url == "https://news.example/img/cover.png"

    def test_fallbacks_twitter_then_title_description_and_the_host(self):
        summary = summary_of(
            '<title>Only a title</title><meta name="twitter:description" content="From Twitter">'
        )
        assert summary.title == "Only a title"
        assert summary.description == "From Twitter"
        assert summary.site_name == "news.example"
        assert summary.image_url is None
        twitter = summary_of('<meta name="twitter:title" content="T"><title>Page</title>')
        assert twitter.title == "T"
        plain = summary_of('<meta name="Description" content="Case does not matter">')
        assert (plain.title, plain.description) == ("", "Case does not matter")

    def test_the_image_resolves_against_the_final_url_and_only_http_counts(self):
        relative = summary_of('<meta property="og:image" content="../pic.jpg">', url=URL)
        assert relative.image_url == "https://news.example/pic.jpg"
        scheme_relative = summary_of('<meta property="og:image" content="//cdn.example/a.png">')
        assert scheme_relative.image_url == "https://cdn.example/a.png"
        for hostile in ("javascript:alert(1)", "data:image/png;base64,AAAA", "file:///etc/passwd"):
            assert summary_of(f'<meta property="og:image" content="{hostile}">').image_url is None
        assert summary_of('<meta property="og:image" content="http://[::1">').image_url is None

    def test_empty_pages_and_empty_values_make_no_summary(self):
        for html in (
            "",
            "<html></html>",
            '<meta property="og:title" content="   ">',
            "<title></title>",
        ):
            assert summary_of(html).is_empty
        assert summary_of("<title> \n </title>").title == ""

    def test_broken_markup_still_reads(self):
        summary = summary_of(
            '<html><head><meta property="og:title" content="Unclosed" <title>Ignored?'
            "<meta property=og:description content=Unquoted><p><div></span>"
        )
        assert summary.description == "Unquoted"
        assert summary.title  # whichever the parser made of it, something, never an error
        assert summary_of("<title>Never closed").title == "Never closed"
        assert summary_of("<<<>>></title><meta content>").is_empty

    def test_markup_the_parser_chokes_on_keeps_what_came_before(self):
        # Python's html.parser (before 3.13) raises AssertionError at "<![" followed by junk;
        # newer ones read on. Either way what came before it counts, and nothing is raised.
        summary = summary_of('<meta property="og:title" content="Before"><![<junk><title>After')
        assert summary.title == "Before"
        assert summary_of(b"<meta charset='x'><![ <meta charset=latin-1>", None).is_empty

    def test_an_svg_title_is_not_the_pages(self):
        summary = summary_of("<body><svg><title>Icon</title></svg><title>Real</title></body>")
        assert summary.title == "Real"
        assert summary_of("<svg><title>Only an icon</title></svg>").title == ""

    def test_entities_are_unescaped_and_markup_stays_text(self):
        summary = summary_of(
            '<meta property="og:title" '
            'content="Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt;">'
            "<title>&eacute;t&#233; &#x1F600;</title>"
        )
        assert summary.title == "Tom & Jerry <script>alert(1)</script>"
        assert summary_of("<title>&eacute;t&#233; &#x1F600;</title>").title == "été 😀"

    def test_whitespace_is_collapsed_and_long_values_are_cut(self):
        huge = "word " * 100_000
        summary = summary_of(
            f'<meta property="og:title" content="{huge}"><meta name="description" content="{huge}">'
            f'<meta property="og:site_name" content="{huge}">'
        )
        assert len(summary.title) == pages.TITLE_LENGTH
        assert summary.title.endswith("…")
        assert len(summary.description) == pages.DESCRIPTION_LENGTH
        assert len(summary.site_name) == pages.SITE_NAME_LENGTH
        assert summary_of("<title>\n\t  A \n\n  title\t</title>").title == "A title"
        unclosed = summary_of("<title>" + "x" * 5_000_000)
        assert len(unclosed.title) == pages.TITLE_LENGTH

    def test_a_huge_image_url_is_dropped(self):
        long = "https://news.example/" + "a" * 3000
        assert summary_of(f'<meta property="og:image" content="{long}">').image_url is None

    @pytest.mark.parametrize(
        ("charset", "encoding"),
        [("iso-8859-1", "latin-1"), ("windows-1251", "cp1251"), ("shift_jis", "shift_jis")],
    )
    def test_the_response_charset_decodes(self, charset, encoding):
        text = {"latin-1": "Café déjà vu", "cp1251": "Привет мир", "shift_jis": "こんにちは"}[
            encoding
        ]
        body = f"<title>{text}</title>".encode(encoding)
        assert summary_of(body, charset).title == text

    def test_without_a_response_charset_the_pages_meta_decides(self):
        body = '<meta charset="windows-1251"><title>Привет</title>'.encode("cp1251")
        assert summary_of(body, None).title == "Привет"
        http_equiv = (
            '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
            "<title>Café</title>"
        ).encode("latin-1")
        assert summary_of(http_equiv, None).title == "Café"

    def test_unknown_charsets_and_bad_bytes_fall_back_to_utf8_with_replacement(self):
        body = "<title>Olá \xff</title>".encode() + b"\xff\xfe"
        assert summary_of(body, "no-such-charset").title.startswith("Olá")
        assert summary_of(b"<title>bad \xff byte</title>", None).title == "bad \ufffd byte"
        assert summary_of(b"<title>Hi</title>", "utf-8\x00evil").title == "Hi"


class TestWhichLink:
    def body_html(self, text: str) -> str:
        return format_message(text, {"bob": "bob"}).html

    def test_the_first_http_link_the_message_shows(self):
        html = self.body_html("see https://a.example/x and [b](https://b.example/)")
        assert first_link(html) == "https://a.example/x"
        assert first_link(self.body_html("[label](http://b.example/page?q=1&r=2)")) == (
            "http://b.example/page?q=1&r=2"
        )

    def test_no_link_mentions_mail_and_code_make_no_card(self):
        for text in ("", "just words", "@bob hi", "mail me@example.com", "`https://code.example/`"):
            assert first_link(self.body_html(text)) is None
        assert first_link(self.body_html("@bob see https://c.example/")) == "https://c.example/"

    def test_links_to_this_site_are_skipped(self, settings):
        settings.ALLOWED_HOSTS = ["chat.example.com", ".internal.example"]
        html = self.body_html(
            "https://chat.example.com/chat/x/ https://a.internal.example/ https://other.example/"
        )
        assert first_link(html) == "https://other.example/"
        settings.ALLOWED_HOSTS = ["*"]  # a wildcard names no host of ours
        assert (
            first_link(self.body_html("https://chat.example.com/")) == "https://chat.example.com/"
        )

    def test_hostile_and_oversized_links_make_no_card(self):
        assert first_link('<a href="javascript:alert(1)">x</a>') is None
        assert first_link('<a href="http://[::1">x</a>') is None
        assert first_link('<a href="http://host:99999999/">x</a>') is None
        assert first_link(f'<a href="https://a.example/{"a" * 2000}">x</a>') is None
        assert first_link("<a>no href</a><a href=''>empty</a>") is None


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


class TestPictures:
    def test_a_photo_becomes_a_small_jpeg_without_metadata(self):
        exif = Image.Exif()
        exif[0x010F] = "Secret Camera Maker"
        exif[0x8825] = {1: "N"}  # GPS
        photo = encoded(Image.new("RGB", (1600, 1200), "orange"), "JPEG", exif=exif.tobytes())
        thumbnail = images.thumbnail(photo)
        assert thumbnail is not None
        assert thumbnail.extension == "jpg"
        stored = Image.open(BytesIO(thumbnail.data))
        assert stored.format == "JPEG"
        assert stored.size == (thumbnail.width, thumbnail.height) == (420, 315)
        assert not stored.getexif()
        assert b"Secret Camera" not in thumbnail.data

    def test_transparency_stays_in_a_png(self):
        logo = encoded(Image.new("RGBA", (300, 100), (0, 0, 0, 0)), "PNG")
        thumbnail = images.thumbnail(logo)
        assert thumbnail is not None
        assert thumbnail.extension == "png"
        assert Image.open(BytesIO(thumbnail.data)).size == (300, 100)  # never enlarged

    @pytest.mark.parametrize(
        "data",
        [
            b"",
            b"<html><body>not an image</body></html>",
            b"GIF89a" + b"\x00" * 10,  # truncated
            encoded(Image.new("RGB", (10, 10)), "PNG")[:40],  # truncated
            b'<svg xmlns="http://www.w3.org/2000/svg"></svg>',
            encoded(Image.new("RGB", (10, 10)), "BMP"),  # a format this site does not take
        ],
        ids=["empty", "html", "gif-header", "truncated-png", "svg", "bmp"],
    )
    def test_what_is_not_an_image_this_site_takes_is_no_picture(self, data):
        assert images.thumbnail(data) is None

    def test_a_decompression_bomb_is_refused_before_decoding(self):
        bomb = png_bomb()  # 400 megapixels in some 50 KiB
        assert len(bomb) < images.MAX_BYTES
        assert Image.open(BytesIO(png_bomb(100))).size == (100, 100)  # a real PNG, small
        assert images.thumbnail(png_bomb(100)) is not None
        assert images.thumbnail(bomb) is None
        assert images.thumbnail(png_bomb(6000)) is None  # 36 megapixels: over MAX_PIXELS too
