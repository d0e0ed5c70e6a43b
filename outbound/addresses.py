"""Which addresses outbound requests may reach: global ones on the web's ports, or any port
in OUTBOUND_ALLOWED_NETWORKS (the test suite's loopback sites). Python's `is_global` is the
base; IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are judged by that
address too, and multicast, reserved and site-local ranges are refused whatever `is_global`
says.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from outbound.errors import OutboundError, refuse

IPAddress = IPv4Address | IPv6Address
WEB_PORTS = frozenset({80, 443})
NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are the IPv4 address
# RFC 8215's local-use NAT64 prefix: it embeds IPv4 where the operator likes, so it is
# refused whole rather than guessed at.
LOCAL_NAT64 = IPv6Network("64:ff9b:1::/48")
# getaddrinfo has no timeout of its own; it runs here, and the caller waits only so long.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-resolve")


def allowed_networks() -> list[IPv4Network | IPv6Network]:
    networks = []
    for entry in settings.OUTBOUND_ALLOWED_NETWORKS:
        try:
            networks.append(ip_network(entry, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(f"OUTBOUND_ALLOWED_NETWORKS: {error}") from error
    return networks


def is_public(address: IPAddress) -> bool:
    """Whether `address` is on the public internet, in every form it takes."""
    if isinstance(address, IPv6Address):
        # An IPv4 address in IPv6 clothing (what DNS64 answers, or a dual-stack socket's view)
        # is that IPv4 address.
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address in NAT64:
            return is_public(IPv4Address(int(address) & 0xFFFFFFFF))
        if address.scope_id or address.is_site_local or address in LOCAL_NAT64:
            return False
        if not all(is_public(inner) for inner in tunnelled_ipv4(address)):
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def tunnelled_ipv4(address: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses a 6to4 or Teredo address leads to, if any."""
    found = []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client), the client already un-obfuscated
    return found


def refusal(address: IPAddress, port: int) -> str | None:
    """Why `address`:`port` may not be reached, or None when it may."""
    if any(address in network for network in allowed_networks()):
        return None
    if not is_public(address):
        return f"{address} is not a public address"
    if port not in WEB_PORTS:
        return f"port {port} is not allowed (only 80 and 443)"
    return None


def may_use_port(port: int) -> bool:
    """Whether any address could be reached on `port`: checked before resolving a name, so a
    name on another port costs no DNS query unless some network is allowed every port."""
    return port in WEB_PORTS or bool(settings.OUTBOUND_ALLOWED_NETWORKS)


def lookup(host: str, port: int) -> list[tuple[Any, ...]]:
    """What DNS answers for `host` (getaddrinfo's tuples): the one place a name is resolved,
    once per connection, so that tests may stand in for DNS here (rebinding)."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)


def checked_addresses(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    """The addresses `host` resolves to, every one of them allowed on `port`. One refused
    address refuses them all: the answer is not picked over for a usable one."""
    future = _resolver.submit(lookup, host, port)
    try:
        answers = future.result(timeout=max(timeout, 0.001))
    except FutureTimeout:
        raise OutboundError(f"resolving {host} took longer than the time allowed") from None
    except (OSError, UnicodeError) as error:
        raise OutboundError(f"could not resolve {host}: {error}") from error
    addresses = list(dict.fromkeys(ip_address(answer[4][0]) for answer in answers))
    if not addresses:
        raise OutboundError(f"{host} resolves to no address")
    for address in addresses:
        reason = refusal(address, port)
        if reason is not None:
            raise refuse(f"{host} resolves to {address}: {reason}")
    return addresses
