"""Caps on sockets and on the time a client may take, against a real uvicorn as production
runs it (chatsite.connections' protocols), with small caps (SETTINGS).

- per person and per client address: the socket over the cap is accepted and closed with
  4429, which the page does not retry, with one log line;
- a request whose headers never complete (slowloris), or a connection that sends nothing,
  is dropped after REQUEST_HEADER_TIMEOUT;
- garbage: bytes that are no websocket frame, frames no page sends, bytes that are no HTTP.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import time
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import ClientConnection, connect

from support.http import message_ids, receive_until, until_closed
from support.raw_websocket import TEXT, RawSocket, sessions, signed_in
from support.site import Site, running_site, suite_postgres

HEADER_TIMEOUT = 2
SETTINGS = {
    "SOCKETS_PER_USER": "3",
    "SOCKETS_PER_ADDRESS": "5",
    "REQUEST_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
    "SOCKET_MAX_UNEXPECTED_FRAMES": "3",
}
PEOPLE = ["ann", "ben", "cid", "dee"]
ROOM = "capped"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("limits")
    with running_site(directory, servers=1, postgres=suite_postgres(), **SETTINGS) as site:
        yield site


@pytest.fixture(scope="module")
def people(site: Site) -> dict[str, str]:
    people = sessions(site.env, PEOPLE)
    assert signed_in(site.servers[0].url, people["ann"]).open_room(ROOM).status == 200
    return people


def page_socket(site: Site, session: str | None, address: str) -> connect:
    """A page's socket to ROOM, as `session`'s, from `address` (X-Forwarded-For, which
    uvicorn takes from loopback as it would from the proxy)."""
    server = site.servers[0]
    headers = [("X-Forwarded-For", address)]
    if session:
        headers.append(("Cookie", f"sessionid={session}"))
    url = server.url.replace("http://", "ws://") + f"/ws/chat/{ROOM}/"
    return connect(url, origin=server.url, additional_headers=headers)


async def delivers(site: Site, people: dict[str, str], *sockets: ClientConnection) -> None:
    poster = signed_in(site.servers[0].url, people["dee"])
    pk = message_ids(poster.post_message(ROOM, "to every open socket").text)[0]
    for open_socket in sockets:
        await receive_until(open_socket, f'id="message-{pk}"')


def refusals(site: Site, cap: str) -> list[str]:
    return re.findall(rf"Socket refused: .* \({cap}\)", site.servers[0].log_text())


async def test_a_person_may_have_only_so_many_sockets_open(site, people):
    ann = people["ann"]
    async with (
        page_socket(site, ann, "10.3.0.1") as first,
        page_socket(site, ann, "10.3.0.2") as second,
        page_socket(site, ann, "10.3.0.3") as third,
    ):
        async with page_socket(site, ann, "10.3.0.4") as fourth:
            assert await until_closed(fourth) == 4429
        [refusal] = refusals(site, "SOCKETS_PER_USER")
        assert re.fullmatch(r"Socket refused: user \d+ has 3 open in this process \(\w+\)", refusal)
        await delivers(site, people, first, second, third)
        await first.close()
        async with page_socket(site, ann, "10.3.0.4") as again:  # one closed: one may open
            await delivers(site, people, second, third, again)


async def test_an_address_may_have_only_so_many_sockets_open_whoever_asks(site, people):
    address = "10.4.0.1"
    async with (
        page_socket(site, people["ben"], address) as one,
        page_socket(site, people["ben"], address) as two,
        page_socket(site, people["ben"], address) as three,
        page_socket(site, people["cid"], address) as four,
        page_socket(site, people["cid"], address) as five,
    ):
        before = len(refusals(site, "SOCKETS_PER_ADDRESS"))
        # Refused before the session is read: without one too (not 4401).
        for session in (people["cid"], None):
            async with page_socket(site, session, address) as over:
                assert await until_closed(over) == 4429
        assert (
            refusals(site, "SOCKETS_PER_ADDRESS")[before:]
            == [f"Socket refused: {address} has 5 open in this process (SOCKETS_PER_ADDRESS)"] * 2
        )
        async with page_socket(site, people["cid"], "10.4.0.2") as elsewhere:
            await delivers(site, people, one, two, three, four, five, elsewhere)


def dropped_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> float:
    """Seconds until the server drops `sock`, sending `trickle` (if any) every 0.5 s."""
    started = time.monotonic()
    sock.settimeout(0.5)
    while time.monotonic() - started < seconds:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            if trickle:
                try:
                    sock.sendall(trickle)
                except OSError:
                    return time.monotonic() - started
        except ConnectionResetError:
            return time.monotonic() - started
    raise AssertionError(f"still open after {seconds} s")


@pytest.mark.parametrize("sent", [b"", b"GET /ws/chat/capped/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"])
def test_a_request_whose_headers_never_complete_is_dropped(site, sent):
    with socket.create_connection(("127.0.0.1", site.servers[0].port)) as sock:
        sock.sendall(sent)
        # A header line's byte every half second: each keeps it alive, none completes it.
        elapsed = dropped_within(sock, HEADER_TIMEOUT + 5, trickle=b"X" if sent else b"")
    print(f"\ndropped after {elapsed:.1f} s")
    assert elapsed >= HEADER_TIMEOUT - 0.5


async def test_a_socket_sending_garbage_is_closed(site, people):
    port = site.servers[0].port
    # Bytes that are no websocket frame: a protocol error, closed at once (1002).
    junk = RawSocket(port)
    assert junk.handshake(f"/ws/chat/{ROOM}/", people["dee"], forwarded_for="10.6.0.1") == 101
    junk.sock.sendall(os.urandom(64) + b"\xff" * 64)
    await asyncio.to_thread(junk.read_all)
    junk.close()
    assert junk.close_code == 1002
    # Frames no page sends: ignored and logged a few times, then closed (4400).
    odd = RawSocket(port)
    assert odd.handshake(f"/ws/chat/{ROOM}/", people["dee"], forwarded_for="10.6.0.2") == 101
    for _ in range(4):
        odd.send(TEXT, b'{"type": "room.html", "html": "<script>"}')
    await asyncio.to_thread(odd.read_all)
    odd.close()
    assert odd.close_code == 4400
    # Bytes that are no HTTP: 400, and closed.
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"\x16\x03\x01\x02\x00 not http at all\r\n\r\n")
        sock.settimeout(10)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")
