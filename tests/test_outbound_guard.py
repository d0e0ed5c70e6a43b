"""Proof that the outbound client connects only where it checked (issue 13's SSRF tests).

- DNS rebinding: a name that resolves to the allowed test site (127.0.0.2) the first time and
  to 127.0.0.1 afterwards, where a silent listener waits on the same port. DNS is the one
  thing stood in for (outbound.addresses.lookup, where the client asks it).
- Addresses that cannot be bound on loopback (10.0.0.1, 169.254.169.254, 100.64.0.1, public
  ones on other ports, odd spellings of them): Python's audit hooks see every connect attempt
  and DNS lookup made in this process (support.audit), so none may happen for them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

import outbound
import outbound.addresses
from outbound import OutboundError, Refused
from support.audit import Recording, recording
from support.http_sites import HttpSite, http_site, page, redirect, silent_listener
from support.processes import free_port

SITE_HOST = "127.0.0.2"
HTML = "<!doctype html><title>Hello</title>"
NETWORK_EVENTS = ("socket.connect", "socket.getaddrinfo")


@pytest.fixture
def site(settings) -> Iterator[HttpSite]:
    settings.OUTBOUND_ALLOWED_NETWORKS = [f"{SITE_HOST}/32"]
    with http_site({"/": page(HTML)}, host=SITE_HOST) as running:
        yield running


def connected(seen: Recording) -> list[object]:
    """The addresses connect() was tried on, whether or not anything answered."""
    return [arguments[0] for arguments in seen.of("socket.connect")]


def resolved(seen: Recording) -> list[object]:
    return [arguments[0] for arguments in seen.of("socket.getaddrinfo")]


def rebinding_dns(lookups: list[str]):
    """DNS as a rebinding attacker runs it: the allowed site first, loopback ever after."""

    def lookup(host: str, port: int) -> list[tuple[object, ...]]:
        lookups.append(host)
        address = SITE_HOST if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    return lookup


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    site: HttpSite, monkeypatch
) -> None:
    lookups: list[str] = []
    monkeypatch.setattr(outbound.addresses, "lookup", rebinding_dns(lookups))
    # "localhost" is 127.0.0.1 to the real resolver too: a client that let urllib3 resolve
    # the name again would land on the listener.
    with silent_listener("127.0.0.1", site.port) as listener:
        with recording(*NETWORK_EVENTS) as seen:
            response = outbound.get(f"http://localhost:{site.port}/", accept=["text/html"])
        assert not listener.was_contacted()
    assert response.body == HTML.encode()
    assert site.requests[-1].headers["host"] == f"localhost:{site.port}"
    assert lookups == ["localhost"]
    assert connected(seen) == [(SITE_HOST, site.port)]
    assert "localhost" not in resolved(seen)  # no lookup of the name past the checked one


def test_a_redirect_to_the_same_name_is_resolved_and_checked_again(
    site: HttpSite, monkeypatch
) -> None:
    lookups: list[str] = []
    monkeypatch.setattr(outbound.addresses, "lookup", rebinding_dns(lookups))
    site.routes["/again"] = redirect(f"http://localhost:{site.port}/")
    with silent_listener("127.0.0.1", site.port) as listener:
        with recording(*NETWORK_EVENTS) as seen, pytest.raises(Refused) as refused:
            outbound.get(f"http://localhost:{site.port}/again")
        assert not listener.was_contacted()
    assert "localhost resolves to 127.0.0.1: 127.0.0.1 is not a public address" in str(
        refused.value
    )
    assert lookups == ["localhost", "localhost"]
    assert connected(seen) == [(SITE_HOST, site.port)]


def test_the_recording_sees_every_connect_attempt_even_one_that_fails(site: HttpSite) -> None:
    closed = free_port()  # free on 127.0.0.1, and nobody listens there on 127.0.0.2
    with recording(*NETWORK_EVENTS) as seen:
        outbound.get(site.url("/"))
        with pytest.raises(OutboundError):
            outbound.get(f"http://{SITE_HOST}:{closed}/")
    assert connected(seen) == [(SITE_HOST, site.port), (SITE_HOST, closed)]


NEVER_CONNECTED = [
    ("http://10.0.0.1/", "10.0.0.1 is not a public address"),
    ("https://10.0.0.1/", "10.0.0.1 is not a public address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not a public address"),
    ("http://100.64.0.1/", "100.64.0.1 is not a public address"),
    ("http://93.184.216.34:8080/", "port 8080 is not allowed"),
    ("http://93.184.216.34:22/", "port 22 is not allowed"),
    ("https://[2606:4700:4700::1111]:8443/", "port 8443 is not allowed"),
    # The same places, spelled otherwise.
    ("http://167772161/", "unusual spelling"),  # 10.0.0.1 as one decimal number
    ("http://0x0a000001/", "unusual spelling"),
    ("http://0251.0376.0251.0376/", "unusual spelling"),  # 169.254.169.254 in octal
    ("http://0xa9.0xfe.0xa9.0xfe/", "unusual spelling"),
    ("http://100.64.1/", "unusual spelling"),
    ("http://10.0.0.1./", "unusual spelling"),
    ("http://[::ffff:10.0.0.1]/", "is not a public address"),
    ("http://[::ffff:a9fe:a9fe]/", "is not a public address"),
    ("http://[64:ff9b::a9fe:a9fe]/", "is not a public address"),
    ("http://[2002:a9fe:a9fe::1]/", "is not a public address"),  # 6to4
    ("http://[::ffff:5db8:d822]:8080/", "port 8080 is not allowed"),  # 93.184.216.34, mapped
]


@pytest.mark.parametrize(("url", "reason"), NEVER_CONNECTED)
def test_refused_addresses_are_never_connected_to_or_looked_up(
    site: HttpSite, url: str, reason: str
) -> None:
    # The test site's network is allowed: that opens no other address, nor other ports.
    with recording(*NETWORK_EVENTS) as seen, pytest.raises(Refused) as refused:
        outbound.get(url)
    assert reason in str(refused.value)
    assert (connected(seen), resolved(seen)) == ([], [])


@pytest.mark.parametrize("url", ["http://example.com:8080/", "https://example.com:22/"])
def test_a_name_on_another_port_is_refused_before_any_lookup(settings, url: str) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with recording(*NETWORK_EVENTS) as seen, pytest.raises(Refused, match="is not allowed"):
        outbound.get(url)
    assert (connected(seen), resolved(seen)) == ([], [])


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1:8080/",
        "http://0251.0376.0251.0376/",
        "//100.64.0.1/",  # scheme-relative
        "http://93.184.216.34:8443/",
    ],
)
def test_a_redirect_to_a_refused_address_connects_only_to_the_site(
    site: HttpSite, location: str
) -> None:
    site.routes["/away"] = redirect(location)
    with recording(*NETWORK_EVENTS) as seen, pytest.raises(Refused):
        outbound.get(site.url("/away"))
    assert connected(seen) == [(SITE_HOST, site.port)]
    assert [request.path for request in site.requests] == ["/away"]
