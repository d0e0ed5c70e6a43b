"""Which destinations the outbound client takes (outbound/addresses.py, destinations.py):
address ranges in every IPv4 and IPv6 form, URL forms, hosts and ports. Nothing here connects;
names are parsed, not resolved, except "localhost" (the system's own answer, loopback)."""

from __future__ import annotations

import logging
from ipaddress import ip_address

import pytest
from django.core.exceptions import ImproperlyConfigured

from outbound import Refused
from outbound.addresses import checked_addresses, is_public, refusal
from outbound.destinations import MAX_URL_LENGTH, destination


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "224.0.0.1",  # multicast
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "::",
        "::1",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",  # site-local, deprecated
        "ff02::1",  # multicast
        "2001:db8::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:a00:1",  # IPv4-mapped 10.0.0.1
        "::ffff:169.254.169.254",
        "::7f00:1",  # IPv4-compatible (deprecated) 127.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::808:808",  # local-use NAT64: refused whole
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "2002:a00:1::1",  # 6to4 around 10.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_non_global_addresses_in_every_form_are_not_public(address: str) -> None:
    assert not is_public(ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",  # mapped, of a public address
        "64:ff9b::808:808",  # what DNS64 answers for a public IPv4-only host
        "2002:808:808::1",  # 6to4 around a public address
    ],
)
def test_global_addresses_are_public(address: str) -> None:
    assert is_public(ip_address(address))


def test_public_addresses_are_reached_on_the_webs_ports_only() -> None:
    public = ip_address("93.184.216.34")
    assert refusal(public, 80) is None
    assert refusal(public, 443) is None
    assert refusal(public, 8080) == "port 8080 is not allowed (only 80 and 443)"
    assert refusal(public, 22) is not None


def test_an_allowed_network_is_reached_on_any_port_and_only_it(settings) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32", "fd00:1::/64"]
    assert refusal(ip_address("127.0.0.2"), 8080) is None
    assert refusal(ip_address("fd00:1::5"), 1) is None
    assert refusal(ip_address("127.0.0.1"), 80) == "127.0.0.1 is not a public address"
    assert refusal(ip_address("::ffff:127.0.0.2"), 80) is not None  # only the form listed
    assert refusal(ip_address("fd00:2::5"), 80) is not None


def test_a_malformed_allowed_network_is_a_configuration_error(settings) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/33"]
    with pytest.raises(ImproperlyConfigured, match="OUTBOUND_ALLOWED_NETWORKS"):
        refusal(ip_address("93.184.216.34"), 80)


def test_a_name_resolving_to_loopback_is_refused_and_logged(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="outbound"), pytest.raises(Refused) as refused:
        checked_addresses("localhost", 80, timeout=5)
    assert "is not a public address" in str(refused.value)
    assert [r.levelno for r in caplog.records if r.name == "outbound"] == [logging.INFO]
    assert f"outbound request refused: {refused.value}" in caplog.text


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "scheme ''"),
        ("example.com", "scheme ''"),
        ("ftp://example.com/", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("gopher://example.com:70/", "scheme 'gopher'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("http://", "no host"),
        ("http:///path", "no host"),
        ("http://:80/", "no host"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http://user@example.com/", "user name or password"),
        ("http://example.com@127.0.0.1/", "user name or password"),
        ("http://example.com\\@127.0.0.1/", "user name or password"),
        ("http://exa mple.com/", "spaces, control characters"),
        ("http://example.com\\.evil/", "backslashes"),
        ("http://example.com:8080/", "port 8080"),
        ("https://example.com:22/", "port 22"),
        ("http://example.com:0/", "port 0"),
        ("http://example.com:99999/", "malformed URL"),
        ("http://example.com:http/", "malformed URL"),
        ("http://[::1/", "malformed URL"),
        ("http://[not-an-address]/", "malformed URL"),
        ("http://exa..mple.com/", "not a valid host name"),
        ("http://exa$mple.com/", "not a valid host name"),
        ("http://" + "a" * 64 + ".com/", "not a valid host name"),
        ("http://example.com/" + "a" * MAX_URL_LENGTH, "URL longer than"),
        # IP addresses however spelled
        ("http://127.0.0.1/", "127.0.0.1 is not a public address"),
        ("http://0.0.0.0/", "0.0.0.0 is not a public address"),
        ("http://10.0.0.1/", "10.0.0.1 is not a public address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not"),
        ("http://100.64.0.1/", "100.64.0.1 is not a public address"),
        ("http://224.0.0.1/", "224.0.0.1 is not a public address"),
        ("http://[::1]/", "::1 is not a public address"),
        ("http://[::]/", ":: is not a public address"),
        ("http://[::ffff:127.0.0.1]/", "is not a public address"),
        ("http://[::ffff:a00:1]/", "::ffff:a00:1 is not a public address"),
        ("http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1 is not a public address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "is not a public address"),
        ("http://[2002:7f00:1::1]/", "is not a public address"),
        ("http://[fe80::1%25eth0]/", "is not a public address"),
        ("http://0x7f.1/", "unusual spelling of an IP address"),
        ("http://0x7f000001/", "unusual spelling"),
        ("http://2130706433/", "unusual spelling"),
        ("http://017700000001/", "unusual spelling"),
        ("http://0177.0.0.1/", "unusual spelling"),
        ("http://127.1/", "unusual spelling"),
        ("http://127.0.0.1./", "unusual spelling"),
        ("http://010.0.0.1/", "unusual spelling"),
        ("http://0xa9.0xfe.0xa9.0xfe/", "unusual spelling"),
        ("http://1.2.3.4.5/", "unusual spelling"),
        ("http://93.184.216.34:8080/", "port 8080 is not allowed"),
        ("https://[2606:4700:4700::1111]:8443/", "port 8443 is not allowed"),
    ],
)
def test_destinations_not_allowed_are_refused_before_anything_is_resolved(
    url: str, reason: str
) -> None:
    with pytest.raises(Refused) as refused:
        destination(url).addresses(timeout=5)
    assert reason in str(refused.value)


def test_odd_spellings_are_refused_even_inside_an_allowed_network(settings) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert destination("http://127.0.0.2:8080/").addresses(timeout=5) == [ip_address("127.0.0.2")]
    with pytest.raises(Refused, match="unusual spelling"):
        destination("http://0x7f.2:8080/")


@pytest.mark.parametrize(
    ("url", "host", "port", "host_header", "target"),
    [
        ("http://example.com", "example.com", 80, "example.com", "/"),
        ("HTTPS://Example.COM/a?b=c#frag", "example.com", 443, "example.com", "/a?b=c"),
        ("http://example.com:443/", "example.com", 443, "example.com:443", "/"),
        ("https://example.com:80/", "example.com", 80, "example.com:80", "/"),
        ("http://example.com./x", "example.com.", 80, "example.com.", "/x"),
        ("http://bücher.example/ö ü?q=ä", "xn--bcher-kva.example", 80, "xn--bcher-kva.example",
         "/%C3%B6%20%C3%BC?q=%C3%A4"),
        ("http://example.com/a%20b/%2e?x=%41", "example.com", 80, "example.com",
         "/a%20b/%2e?x=%41"),
        ("http://example.com/a\x01b", "example.com", 80, "example.com", "/a%01b"),
        ("http://93.184.216.34/", "93.184.216.34", 80, "93.184.216.34", "/"),
        ("https://[2606:4700:4700::1111]/", "2606:4700:4700::1111", 443,
         "[2606:4700:4700::1111]", "/"),
    ],
)  # fmt: skip
def test_allowed_destinations_name_the_host_and_send_a_clean_request_line(
    url: str, host: str, port: int, host_header: str, target: str
) -> None:
    found = destination(url)
    assert (found.host, found.port, found.host_header, found.target) == (
        host,
        port,
        host_header,
        target,
    )
    assert found.url == url
