"""get() and post(): HTTP to checked destinations only, connecting to the very address that
was checked (the Host header, TLS SNI and certificate check carry the name), so a name that
resolves differently the second time (DNS rebinding) gains nothing. Every redirect is a new
destination, checked from scratch. No proxies from the environment, no cookies.
"""

from __future__ import annotations

import http.client
import re
import socket
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from urllib3 import HTTPHeaderDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.response import BaseHTTPResponse

from outbound.addresses import IPAddress
from outbound.body import ACCEPT_ENCODING, accept_header, accepts, media_type, read_body
from outbound.deadline import Deadline
from outbound.destinations import Destination, destination
from outbound.errors import OutboundError

USER_AGENT = "chatsite-link-preview/1.0"
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Headers this module writes itself: framing, the checked host, and no cookies ever.
OWN_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "te", "upgrade", "cookie",
     "accept-encoding", "content-type"}
)  # fmt: skip
# What a redirect to another origin must not carry along.
CREDENTIALS = frozenset({"authorization", "proxy-authorization"})


@dataclass(frozen=True)
class Response:
    url: str  # the final URL, after redirects
    status: int
    content_type: str  # lowercased media type without parameters, e.g. "text/html"
    charset: str | None
    headers: Mapping[str, str]
    body: bytes


def get(
    url: str,
    *,
    accept: Collection[str] = (),
    max_bytes: int = 1024 * 1024,
    timeout: float = 5.0,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """GET `url`, following up to 5 redirects. With `accept` (media types, or prefixes ending
    in "/"), an answer of another type, or not 2xx, raises OutboundError unread."""
    if isinstance(accept, str):
        raise TypeError("accept is a collection of media types, not one string")
    return _fetch("GET", url, None, _headers(headers), accept, max_bytes, timeout)


def post(
    url: str,
    body: bytes,
    *,
    content_type: str,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = 64 * 1024,
    timeout: float = 5.0,
) -> Response:
    """POST `body` to `url`; redirects are not followed but returned, as is any status."""
    sent = {**_headers(headers), **_headers({"Content-Type": content_type}, own=True)}
    return _fetch("POST", url, body, sent, (), max_bytes, timeout)


def _fetch(
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    accept: Collection[str],
    max_bytes: int,
    timeout: float,
) -> Response:
    if max_bytes < 0:
        raise ValueError(f"max_bytes must not be negative, not {max_bytes!r}")
    deadline = Deadline(timeout)
    try:
        target = destination(url)
        for hop in range(MAX_REDIRECTS + 1):
            with _exchange(method, target, body, headers, accept, deadline) as response:
                location = response.headers.get("Location")
                if method != "GET" or response.status not in REDIRECTS or not location:
                    return _finish(target, response, accept, max_bytes, deadline)
                if hop == MAX_REDIRECTS:
                    raise OutboundError(f"more than {MAX_REDIRECTS} redirects")
                following = destination(urljoin(target.url, location))
                if following.origin != target.origin:
                    headers = {k: v for k, v in headers.items() if k.lower() not in CREDENTIALS}
                target = following
        raise AssertionError("unreachable: the last hop returns or raises")
    finally:
        deadline.close()


@contextmanager
def _exchange(
    method: str,
    target: Destination,
    body: bytes | None,
    headers: dict[str, str],
    accept: Collection[str],
    deadline: Deadline,
) -> Iterator[BaseHTTPResponse]:
    """The response's status and headers, its body yet unread; closed on leaving."""
    addresses = target.addresses(timeout=deadline.remaining())
    sent = {
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Accept": accept_header(accept),
        "Accept-Encoding": ACCEPT_ENCODING,
        "Connection": "close",
        **headers,
    }
    with _failures(target, deadline):
        connection = _connect(target, addresses, deadline)
    try:
        with _failures(target, deadline):
            connection.request(
                method, target.target, body, sent, preload_content=False, decode_content=False
            )
            response = connection.getresponse()
            yield response
            deadline.check()
    finally:
        connection.close()


def _finish(
    target: Destination,
    response: BaseHTTPResponse,
    accept: Collection[str],
    max_bytes: int,
    deadline: Deadline,
) -> Response:
    kind, charset = media_type(response.headers.get("Content-Type"))
    if accept and not 200 <= response.status < 300:
        raise OutboundError(f"{target.host} answered {response.status}")
    if not accepts(accept, kind):
        raise OutboundError(f"{target.host} sent {kind}, not {', '.join(accept)}")
    with _failures(target, deadline):
        body = read_body(response, max_bytes)
    deadline.check()
    return Response(
        target.url, response.status, kind, charset, HTTPHeaderDict(response.headers), body
    )


def _connect(target: Destination, addresses: list[IPAddress], deadline: Deadline) -> HTTPConnection:
    """A connection to the first of the checked `addresses` that answers."""
    failure: NewConnectionError | None = None
    for address in addresses:
        connection = _connection(target, address, deadline)
        try:
            connection.connect()
            return connection
        except NewConnectionError as error:  # nothing was sent: the next address may do
            connection.close()
            failure = error
    assert failure is not None  # addresses is never empty
    raise failure


def _connection(target: Destination, address: IPAddress, deadline: Deadline) -> HTTPConnection:
    if target.scheme == "https":
        return _WatchedHTTPSConnection(
            str(address),
            target.port,
            timeout=deadline.remaining(),
            deadline=deadline,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return _WatchedHTTPConnection(
        str(address), target.port, timeout=deadline.remaining(), deadline=deadline
    )


class _WatchedHTTPConnection(HTTPConnection):
    def __init__(self, host: str, port: int, *, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, port, **options)
        self.deadline = deadline

    def _new_conn(self) -> socket.socket:
        return self.deadline.watch(super()._new_conn())


class _WatchedHTTPSConnection(HTTPSConnection):
    def __init__(self, host: str, port: int, *, deadline: Deadline, **options: Any) -> None:
        super().__init__(host, port, **options)
        self.deadline = deadline

    def _new_conn(self) -> socket.socket:
        return self.deadline.watch(super()._new_conn())


@contextmanager
def _failures(target: Destination, deadline: Deadline) -> Iterator[None]:
    """Network and protocol errors as OutboundError, naming the host and what went wrong."""
    try:
        yield
    except (HTTPError, http.client.HTTPException, OSError) as error:
        if deadline.expired:
            raise deadline.error() from error
        cause = error.__cause__ if isinstance(error.__cause__, OSError) else error
        raise OutboundError(f"{target.host}: {cause}") from error


def _headers(headers: Mapping[str, str] | None, *, own: bool = False) -> dict[str, str]:
    """The caller's headers, refused if malformed or if they are this module's to write."""
    checked = {}
    for name, value in (headers or {}).items():
        if not HEADER_NAME.fullmatch(name) or re.search(r"[\x00\r\n]", value):
            raise OutboundError(f"malformed header {name[:50]!r}")
        if name.lower() in OWN_HEADERS and not own:
            raise OutboundError(f"header {name!r} is set by the outbound client")
        checked[name] = value.strip()
    return checked
