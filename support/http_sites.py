"""Little web sites on loopback for the code that fetches from the web (outbound/, previews/),
and a silent listener that proves no connection was made.

A site is a threaded http.server on a loopback address you choose and a free port, serving a
dict of path -> route. A route is a function of the Exchange (the request, and a way to write
the answer); the factories below make the usual ones. Every request is recorded before it is
answered, so once a client has its response the site's `requests` already holds it.

    from support.http_sites import http_site, page, redirect, endless, silent_listener

    # with settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]:
    with http_site({"/": page("<title>Hi</title>")}, host="127.0.0.2") as site:
        site.routes["/moved"] = redirect(site.url("/"))  # routes may come once the port is known
        outbound.get(site.url("/moved"))
        assert site.requests[-1].path == "/"

    with silent_listener("127.0.0.1") as listener:  # a port nobody answers on
        ...  # try to reach f"http://localhost:{listener.port}/", expect Refused
        assert not listener.was_contacted()

Routes: page (HTML), reply (any body, type, status, headers), redirect, endless (a body that
never ends), slow_drip (one byte per interval, forever; in the body or in the headers),
gzip_bomb (a small gzip body that inflates to a great many bytes), image (a PNG by default).
Unknown paths get 404. Streaming routes end when the client hangs up or the site stops.
A site may serve over TLS (`tls=` a server SSLContext).
"""

from __future__ import annotations

import functools
import gzip
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

from PIL import Image

from support.processes import LOOPBACK


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # with its query string
    headers: Mapping[str, str]  # names lowercased
    body: bytes


@dataclass
class Exchange:
    request: Recorded
    handler: BaseHTTPRequestHandler
    stopping: threading.Event  # set when the site stops: streaming routes end

    def start(self, status: int, headers: Mapping[str, str]) -> None:
        """Send the status line and headers; the body is then written to `self.handler.wfile`."""
        self.handler.send_response(status)
        for name, value in headers.items():
            self.handler.send_header(name, value)
        self.handler.end_headers()

    def reply(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.start(status, {**headers, "Content-Length": str(len(body))})
        self.handler.wfile.write(body)


Route = Callable[[Exchange], None]


def reply(
    body: bytes | str,
    content_type: str = "text/plain; charset=utf-8",
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Route:
    data = body.encode() if isinstance(body, str) else body
    return lambda exchange: exchange.reply(
        status, {"Content-Type": content_type, **(headers or {})}, data
    )


def page(html: str, *, status: int = 200, content_type: str = "text/html; charset=utf-8") -> Route:
    return reply(html, content_type, status=status)


def redirect(location: str, status: int = 302) -> Route:
    return reply(b"", status=status, headers={"Location": location})


def image(data: bytes | None = None, content_type: str = "image/png") -> Route:
    return reply(data if data is not None else png(), content_type)


def png(width: int = 8, height: int = 8, color: str = "teal") -> bytes:
    encoded = BytesIO()
    Image.new("RGB", (width, height), color).save(encoded, "PNG")
    return encoded.getvalue()


def gzip_bomb(inflated_size: int = 16 * 1024 * 1024, content_type: str = "text/html") -> Route:
    """A gzip body of some 16 KiB that inflates to `inflated_size` bytes of zeros."""
    return reply(_zipped_zeros(inflated_size), content_type, headers={"Content-Encoding": "gzip"})


@functools.cache
def _zipped_zeros(size: int) -> bytes:
    return gzip.compress(bytes(size), compresslevel=9)  # a third of a second: made once


def endless(content_type: str = "text/html", chunk: bytes = b"a" * 65536) -> Route:
    """A body without a length that never ends (until the client hangs up)."""

    def route(exchange: Exchange) -> None:
        exchange.start(200, {"Content-Type": content_type, "Connection": "close"})
        exchange.handler.close_connection = True
        while not exchange.stopping.is_set():
            exchange.handler.wfile.write(chunk)

    return route


def slow_drip(interval: float = 0.2, *, in_headers: bool = False) -> Route:
    """One byte every `interval` seconds, forever: of an endless body, or of endless headers."""

    def route(exchange: Exchange) -> None:
        handler = exchange.handler
        handler.close_connection = True
        if in_headers:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        else:
            exchange.start(200, {"Content-Type": "text/html", "Connection": "close"})
        while not exchange.stopping.wait(interval):
            handler.wfile.write(b"a")  # unbuffered: sent at once

    return route


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ConnectionError:
            self.close_connection = True  # the client hung up: nothing more to say

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Recorded(
            self.command,
            self.path,
            {name.lower(): value for name, value in self.headers.items()},
            self.rfile.read(length),
        )
        self.server.site.requests.append(request)  # atomic: handlers run in threads
        route = self.server.site.route(self.path)
        route(Exchange(request, self, self.server.site.stopping))
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass  # tests read `requests`, not stderr


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: HttpSite

    def __init__(self, address: tuple[str, int], site: HttpSite) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.site = site
        super().__init__(address, _Handler)


@dataclass
class HttpSite:
    host: str
    routes: dict[str, Route]
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/", *, scheme: str = "http") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}{path}"

    def route(self, path: str) -> Route:
        found = self.routes.get(path) or self.routes.get(path.partition("?")[0])
        return found or reply("not found", status=404)


@contextmanager
def http_site(
    routes: Mapping[str, Route], host: str = LOOPBACK, *, tls: ssl.SSLContext | None = None
) -> Iterator[HttpSite]:
    """A site serving `routes` on `host` (a loopback address) and a free port; over TLS with
    the server context `tls` (then `site.url(path, scheme="https")`)."""
    site = HttpSite(host, dict(routes))
    server = _Server((host, 0), site)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    site.port = server.server_address[1]
    # Polling often, so that stopping the site takes no noticeable time.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"http-site-{site.port}"
    )
    thread.start()
    try:
        yield site
    finally:
        site.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


class Listener:
    """A listening socket nobody answers on: whether anything connected to it."""

    def __init__(self, sock: socket.socket) -> None:
        self.socket = sock
        self.host, self.port = sock.getsockname()[:2]

    def was_contacted(self) -> bool:
        try:
            connection, _address = self.socket.accept()
        except BlockingIOError:
            return False
        connection.close()
        return True


@contextmanager
def silent_listener(host: str = LOOPBACK, port: int = 0) -> Iterator[Listener]:
    """A listening socket on `host` and `port` (0: any free one) that never accepts by itself;
    fails loudly (OSError) when it cannot be bound, e.g. ::1 without IPv6."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, port))
        sock.listen(16)
        sock.setblocking(False)
        yield Listener(sock)
