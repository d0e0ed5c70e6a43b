"""Where a URL points, checked before anything is sent: http or https, no user name or
password, a host that is a name or a plainly written IP address, a port the addresses allow.

IP addresses are taken only as written plainly (1.2.3.4, [2001:db8::1]); any other spelling a
resolver might take for one (0x7f.1, 2130706433, 017700000001, 127.1, a numeric last label)
is refused outright, whatever address it would stand for.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv4Address, ip_address
from urllib.parse import quote, urlsplit

from outbound.addresses import IPAddress, checked_addresses, may_use_port, refusal
from outbound.errors import refuse

SCHEMES = {"http": 80, "https": 443}
MAX_URL_LENGTH = 8192
HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
# How WHATWG's URL parser spots a would-be IPv4 address: the last label is a number.
NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
AUTHORITY_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True)
class Destination:
    url: str
    scheme: str
    host: str  # ASCII (IDNA): what the Host header, TLS SNI and certificate check name
    port: int
    target: str  # the path and query sent in the request line
    literal: IPAddress | None  # the host, when the URL names an address itself

    @cached_property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if SCHEMES[self.scheme] == self.port else f"{host}:{self.port}"

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    def addresses(self, *, timeout: float) -> list[IPAddress]:
        """The addresses to connect to, every one of them allowed (else Refused)."""
        if self.literal is not None:
            reason = refusal(self.literal, self.port)
            if reason is not None:
                raise refuse(reason)
            return [self.literal]
        return checked_addresses(self.host, self.port, timeout=timeout)


def destination(url: str) -> Destination:
    """What `url` points to, or Refused when its form is not allowed. No name is resolved
    when the port alone rules it out."""
    if len(url) > MAX_URL_LENGTH:
        raise refuse(f"URL longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        port = parts.port
    except ValueError as error:  # a bad port number or IPv6 literal
        raise refuse(f"malformed URL: {error}") from None
    if parts.scheme not in SCHEMES:
        raise refuse(f"scheme {parts.scheme!r} is not allowed (only http and https)")
    if "@" in parts.netloc:
        raise refuse("a user name or password in the URL is not allowed")
    if AUTHORITY_FORBIDDEN.search(parts.netloc):
        raise refuse("the URL's host contains spaces, control characters or backslashes")
    if not hostname:
        raise refuse("the URL has no host")
    port = SCHEMES[parts.scheme] if port is None else port
    host, literal = _host(hostname, bracketed="[" in parts.netloc)
    if literal is None and not may_use_port(port):
        raise refuse(f"port {port} is not allowed (only 80 and 443)")
    return Destination(url, parts.scheme, host, port, _target(parts.path, parts.query), literal)


def _host(hostname: str, *, bracketed: bool) -> tuple[str, IPAddress | None]:
    if bracketed:
        try:
            literal = ip_address(hostname)
        except ValueError:
            raise refuse(f"{hostname!r} is not an IPv6 address") from None
        return str(literal), literal
    try:
        return str(IPv4Address(hostname)), IPv4Address(hostname)
    except ValueError:
        pass
    if NUMERIC_LABEL.fullmatch(hostname.rstrip(".").rpartition(".")[2]):
        raise refuse(f"{hostname!r} is an unusual spelling of an IP address")
    try:
        ascii_host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise refuse(f"{hostname!r} is not a valid host name") from None
    if not HOST_NAME.fullmatch(ascii_host):
        raise refuse(f"{hostname!r} is not a valid host name")
    return ascii_host, None


def _target(path: str, query: str) -> str:
    """The request line's target: non-ASCII and spaces percent-encoded, the rest as written."""
    target = (path or "/") + (f"?{query}" if query else "")
    return quote(target, safe=string.punctuation)
