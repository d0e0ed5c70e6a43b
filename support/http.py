"""Talking to real server processes as a client would: HTTP with cookies, and websockets.

Used by the tests that run real servers (tests/test_faults.py, tests/test_security_*.py) and
by the browser tests that need a second, scriptable client beside Chromium.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    text: str


@dataclass
class HttpClient:
    """One browser-less visitor of `base_url`: keeps its cookies, sends CSRF tokens."""

    base_url: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return Response(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode())

    def cookie(self, name: str) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == name)

    def login(self, username: str, password: str) -> Response:
        page = self.request("/accounts/login/")
        token = CSRF_INPUT.search(page.text).group(1)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        return self.request("/accounts/login/", form)

    def logout(self) -> Response:
        return self.request("/accounts/logout/", {}, {"X-CSRFToken": self.cookie("csrftoken")})

    def post_message(self, room: str, body: str, *, htmx: bool = True) -> Response:
        headers = {"X-CSRFToken": self.cookie("csrftoken")}
        if htmx:
            headers["HX-Request"] = "true"
        return self.request(f"/chat/{urllib.parse.quote(room)}/messages/", {"body": body}, headers)

    def open_room(self, room: str) -> Response:
        """Join or create `room` through the lobby form, as a person would."""
        return self.request("/chat/", {"name": room}, {"X-CSRFToken": self.cookie("csrftoken")})

    def socket(self, room: str, *, origin: str | None = None, **options) -> connect:
        """A websocket to `room` with this visitor's cookies; Origin is the site's own."""
        url = self.base_url.replace("http://", "ws://") + f"/ws/chat/{room}/"
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)
        return connect(
            url,
            origin=origin or self.base_url,
            additional_headers=[("Cookie", cookies)],
            open_timeout=60,
            **options,
        )


def message_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="message-(\d+)"', html)]


# Longest wait for an expected frame: generous, as on a loaded machine; never a measure.
RECEIVE_TIMEOUT = 60


async def receive_until(socket: ClientConnection, text: str) -> list[str]:
    """Frames received until one contains `text`."""
    frames: list[str] = []
    async with asyncio.timeout(RECEIVE_TIMEOUT):
        while not frames or text not in frames[-1]:
            frames.append(await socket.recv())
    return frames


async def until_closed(socket: ClientConnection) -> int | None:
    """Drop frames until the server closes `socket`; the close code (1006: dropped)."""
    async with asyncio.timeout(RECEIVE_TIMEOUT):
        try:
            while True:
                await socket.recv()
        except ConnectionClosed:
            return socket.close_code
