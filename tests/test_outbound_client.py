"""The outbound client against real loopback servers (issue 13's SSRF tests).

The allowed test site runs on 127.0.0.2 (OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]); the
refused address is 127.0.0.1 (and ::1), where a listening socket nobody answers on proves,
after each refusal, that no connection was made. Addresses off the machine are only ever
refused before any connection; no test reaches beyond loopback.
"""

from __future__ import annotations

import datetime
import gzip
import socket
import ssl
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import outbound
from outbound import OutboundError, Refused
from support.http_sites import (
    HttpSite,
    Listener,
    endless,
    gzip_bomb,
    http_site,
    image,
    page,
    redirect,
    reply,
    silent_listener,
    slow_drip,
)
from support.processes import free_port, wait_until

SITE_HOST = "127.0.0.2"
HTML = "<!doctype html><title>Hello</title><p>A page.</p>"
GZIP = {"Content-Encoding": "gzip"}


@pytest.fixture
def site(settings) -> Iterator[HttpSite]:
    settings.OUTBOUND_ALLOWED_NETWORKS = [f"{SITE_HOST}/32"]
    routes = {
        "/": page(HTML),
        "/latin": reply("caf\xe9".encode("latin-1"), "text/html; Charset=ISO-8859-1"),
        "/picture": image(),
        "/untyped": reply(b"bytes", content_type=""),
        "/missing": page("gone", status=404),
        "/endless": endless(),
        "/drip": slow_drip(0.2),
        "/drip-headers": slow_drip(0.2, in_headers=True),
        "/bomb": gzip_bomb(),
        "/zipped": reply(gzip.compress(HTML.encode()), "text/html", headers=GZIP),
        "/brotli": reply(b"\x0b\x02\x80hi\x03", "text/html", headers={"Content-Encoding": "br"}),
        "/corrupt": reply(b"not gzip at all", "text/html", headers=GZIP),
        "/2k": page("x" * 2048),
        "/hook": reply("thanks", status=202),
    }  # fmt: skip
    with http_site(routes, host=SITE_HOST) as running:
        yield running


@pytest.fixture
def listener() -> Iterator[Listener]:
    with silent_listener("127.0.0.1") as listening:
        yield listening


def assert_refused_unreached(url: str, listener: Listener, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        outbound.get(url)
    assert reason in str(refused.value)
    assert not listener.was_contacted()


LOOPBACK_SPELLINGS = [
    ("http://127.0.0.1:{port}/", "127.0.0.1 is not a public address"),
    ("https://127.0.0.1:{port}/", "127.0.0.1 is not a public address"),
    ("http://localhost:{port}/", "localhost resolves to"),
    ("http://LocalHost:{port}/", "localhost resolves to"),
    ("http://0.0.0.0:{port}/", "0.0.0.0 is not a public address"),
    ("http://[::ffff:127.0.0.1]:{port}/", "is not a public address"),
    ("http://0x7f.1:{port}/", "unusual spelling"),
    ("http://0x7f000001:{port}/", "unusual spelling"),
    ("http://2130706433:{port}/", "unusual spelling"),
    ("http://017700000001:{port}/", "unusual spelling"),
    ("http://127.1:{port}/", "unusual spelling"),
    ("http://user:pass@127.0.0.2:{port}/", "user name or password"),
]


@pytest.mark.parametrize(("url", "reason"), LOOPBACK_SPELLINGS)
def test_loopback_however_spelled_is_refused_without_a_connection(
    site: HttpSite, listener: Listener, url: str, reason: str
) -> None:
    # The test site's network is allowed, so it is the address check that refuses.
    assert_refused_unreached(url.format(port=listener.port), listener, reason)


@pytest.mark.parametrize(("url", "reason"), LOOPBACK_SPELLINGS)
def test_loopback_is_refused_with_no_network_allowed(
    settings, listener: Listener, url: str, reason: str
) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with pytest.raises(Refused):
        outbound.get(url.format(port=listener.port))
    assert not listener.was_contacted()


def test_ipv6_loopback_is_refused_without_a_connection(site: HttpSite) -> None:
    # Binding ::1 must work here: a machine without it fails this test rather than skip it.
    with silent_listener("::1") as listener6:
        assert_refused_unreached(
            f"http://[::1]:{listener6.port}/", listener6, "::1 is not a public address"
        )
        assert_refused_unreached(
            f"http://[0:0:0:0:0:0:0:1]:{listener6.port}/", listener6, "is not a public address"
        )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.1/", "10.0.0.1 is not a public address"),
        ("http://192.168.0.1/", "192.168.0.1 is not a public address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not a public address"),
        ("http://100.64.0.1/", "100.64.0.1 is not a public address"),
        ("http://224.0.0.1/", "224.0.0.1 is not a public address"),
        ("http://[::ffff:a00:1]/", "is not a public address"),
        ("http://[64:ff9b::7f00:1]/", "is not a public address"),
        ("http://[fd00::1]/", "fd00::1 is not a public address"),
        ("http://93.184.216.34:8080/", "port 8080 is not allowed"),
        ("http://example.com:8080/", "port 8080 is not allowed"),
        ("gopher://127.0.0.2:70/", "scheme 'gopher'"),
    ],
)
def test_other_addresses_and_ports_are_refused_before_connecting(url: str, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        outbound.get(url)


def test_refusals_are_logged_with_their_reason(caplog, listener: Listener) -> None:
    with caplog.at_level("INFO", logger="outbound"), pytest.raises(Refused):
        outbound.get(f"http://127.0.0.1:{listener.port}/")
    assert "outbound request refused: 127.0.0.1 is not a public address" in caplog.text


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/admin",
        "http://localhost:{port}/",
        "http://0x7f.1:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "//127.0.0.1:{port}/",  # scheme-relative
    ],
)
def test_a_redirect_to_a_refused_address_is_refused_without_a_connection(
    site: HttpSite, listener: Listener, location: str
) -> None:
    site.routes["/away"] = redirect(location.format(port=listener.port))
    assert_refused_unreached(site.url("/away"), listener, "")
    assert [request.path for request in site.requests] == ["/away"]


def test_an_html_page_is_fetched_from_the_allowed_site(site: HttpSite) -> None:
    response = outbound.get(site.url("/?q=1"), accept=["text/html"])
    assert (response.status, response.content_type, response.charset) == (200, "text/html", "utf-8")
    assert response.body == HTML.encode()
    assert response.url == site.url("/?q=1")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    sent = site.requests[-1].headers
    assert sent["host"] == f"{SITE_HOST}:{site.port}"
    assert sent["user-agent"].startswith("chatsite-link-preview/")
    assert sent["accept"] == "text/html"
    assert "cookie" not in sent


def test_a_name_is_sent_as_host_while_the_checked_address_is_connected(settings) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with http_site({"/": page(HTML)}, host="127.0.0.1") as named:
        response = outbound.get(f"http://localhost:{named.port}/")
    assert response.body == HTML.encode()
    assert named.requests[-1].headers["host"] == f"localhost:{named.port}"


def test_redirects_are_followed_within_the_allowed_network_up_to_five(site: HttpSite) -> None:
    for hop in range(1, 7):
        site.routes[f"/hop{hop}"] = redirect(
            f"/hop{hop + 1}", status=(301, 302, 303, 307, 308)[hop % 5]
        )
    site.routes["/hop6"] = redirect(site.url("/"))  # absolute, the 6th redirect
    response = outbound.get(site.url("/hop2"))
    assert response.url == site.url("/")
    assert response.body == HTML.encode()

    site.requests.clear()
    with pytest.raises(OutboundError, match="more than 5 redirects"):
        outbound.get(site.url("/hop1"))
    assert [request.path for request in site.requests] == [f"/hop{hop}" for hop in range(1, 7)]


def test_accept_filters_the_type_and_the_status_before_reading(site: HttpSite) -> None:
    with pytest.raises(OutboundError, match="sent image/png, not text/html"):
        outbound.get(site.url("/picture"), accept=["text/html"])
    assert outbound.get(site.url("/picture"), accept=["image/"]).content_type == "image/png"
    assert outbound.get(site.url("/picture"), accept=["IMAGE/PNG"]).body.startswith(b"\x89PNG")
    assert site.requests[-1].headers["accept"] == "IMAGE/PNG"
    with pytest.raises(OutboundError, match="answered 404"):
        outbound.get(site.url("/missing"), accept=["text/html"])
    missing = outbound.get(site.url("/missing"))
    assert (missing.status, missing.body) == (404, b"gone")
    with pytest.raises(OutboundError, match="sent application/octet-stream"):
        outbound.get(site.url("/untyped"), accept=["text/"])


def test_the_declared_charset_is_reported(site: HttpSite) -> None:
    response = outbound.get(site.url("/latin"))
    assert (response.charset, response.body) == ("iso-8859-1", "caf\xe9".encode("latin-1"))


def test_an_endless_body_is_cut_off_at_the_limit(site: HttpSite) -> None:
    with pytest.raises(OutboundError, match="response larger than 1048576 bytes"):
        outbound.get(site.url("/endless"))
    with pytest.raises(OutboundError, match="response larger than 1000 bytes"):
        outbound.get(site.url("/endless"), max_bytes=1000)


def test_a_declared_length_over_the_limit_is_refused_and_the_limit_itself_is_fine(
    site: HttpSite,
) -> None:
    with pytest.raises(OutboundError, match="response larger than 2047 bytes"):
        outbound.get(site.url("/2k"), max_bytes=2047)
    assert len(outbound.get(site.url("/2k"), max_bytes=2048).body) == 2048


def test_compressed_bodies_are_inflated_within_the_limit(site: HttpSite) -> None:
    assert outbound.get(site.url("/zipped")).body == HTML.encode()
    assert site.requests[-1].headers["accept-encoding"] == "gzip, deflate"
    with pytest.raises(OutboundError, match="response larger than 1048576 bytes"):
        outbound.get(site.url("/bomb"))
    with pytest.raises(OutboundError, match="unsupported content encoding 'br'"):
        outbound.get(site.url("/brotli"))
    with pytest.raises(OutboundError, match="undecodable gzip body"):
        outbound.get(site.url("/corrupt"))


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_slow_server_fails_at_the_deadline_not_per_read(site: HttpSite, path: str) -> None:
    # One byte every 0.2 s would satisfy any per-read timeout forever.
    with pytest.raises(OutboundError, match="no complete answer within 1 s"):
        outbound.get(site.url(path), timeout=1.0)


def test_a_closed_port_in_the_allowed_network_is_an_error_not_a_refusal(site: HttpSite) -> None:
    with pytest.raises(OutboundError) as failed:
        outbound.get(f"http://{SITE_HOST}:{free_port()}/")
    assert not isinstance(failed.value, Refused)
    assert "Connection refused" in str(failed.value)


def test_post_delivers_its_body_and_follows_no_redirect(site: HttpSite) -> None:
    response = outbound.post(
        site.url("/hook"),
        b'{"text": "hi"}',
        content_type="application/json",
        headers={"X-Sig": "abc"},
    )
    assert (response.status, response.body) == (202, b"thanks")
    received = site.requests[-1]
    assert (received.method, received.path, received.body) == ("POST", "/hook", b'{"text": "hi"}')
    assert received.headers["content-type"] == "application/json"
    assert received.headers["x-sig"] == "abc"

    site.routes["/moved"] = redirect("/hook", status=307)
    moved = outbound.post(site.url("/moved"), b"again", content_type="text/plain")
    assert moved.status == 307
    assert [request.path for request in site.requests][-1] == "/moved"


def test_post_refuses_what_get_refuses(listener: Listener) -> None:
    with pytest.raises(Refused):
        outbound.post(f"http://localhost:{listener.port}/", b"x", content_type="text/plain")
    assert not listener.was_contacted()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Host": "elsewhere.example"}, "header 'Host' is set by the outbound client"),
        ({"Cookie": "session=1"}, "header 'Cookie' is set"),
        ({"Transfer-Encoding": "chunked"}, "is set by the outbound client"),
        ({"X-Bad": "a\r\nInjected: 1"}, "malformed header 'X-Bad'"),
        ({"Bad Name": "a"}, "malformed header"),
        ({"": "a"}, "malformed header"),
    ],
)
def test_hostile_request_headers_are_refused_before_sending(
    site: HttpSite, headers: dict[str, str], reason: str
) -> None:
    with pytest.raises(OutboundError, match=reason):
        outbound.get(site.url("/"), headers=headers)
    with pytest.raises(OutboundError, match="malformed header"):
        outbound.post(site.url("/hook"), b"", content_type="text/plain\r\nX: 1")
    assert site.requests == []


def test_nonsense_limits_are_programming_errors(site: HttpSite) -> None:
    with pytest.raises(ValueError, match="timeout"):
        outbound.get(site.url("/"), timeout=0)
    with pytest.raises(ValueError, match="max_bytes"):
        outbound.get(site.url("/"), max_bytes=-1)


def test_tls_checks_the_certificate_against_the_name_sent_as_sni(settings, tmp_path) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    server_names: list[str | None] = []
    context = self_signed_context("localhost", tmp_path)
    context.sni_callback = lambda _socket, name, _context: server_names.append(name)
    with http_site({"/": page(HTML)}, host="127.0.0.1", tls=context) as secure:
        with pytest.raises(OutboundError, match="CERTIFICATE_VERIFY_FAILED"):
            outbound.get(f"https://localhost:{secure.port}/")
        assert secure.requests == []
    assert server_names == ["localhost"]


def test_https_to_a_plain_http_server_fails_cleanly(site: HttpSite) -> None:
    with pytest.raises(OutboundError) as failed:
        outbound.get(site.url("/", scheme="https"))
    assert not isinstance(failed.value, Refused)


def self_signed_context(name: str, directory) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for `name`: one no client trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def test_the_listener_notices_a_connection(listener: Listener) -> None:
    # The proof the refusal tests rest on: a connection that was made is seen.
    assert not listener.was_contacted()
    with socket.create_connection((listener.host, listener.port)):
        assert wait_until(listener.was_contacted, timeout=5, what="the connection")
