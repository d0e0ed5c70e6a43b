"""Faults and floods against the real thing: uvicorn processes, redis-server, one SQLite file.

Each test injects a fault (concurrent writers, oversized frames, a lost Redis, a server
restart under 500 sockets) and counts what was sent, stored and delivered. The figures are
printed; run `pytest -s tests/test_faults.py` to see them.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from support.asgi import MAX_FRAME
from support.http import HttpClient, message_ids, receive_until, until_closed
from support.processes import PROJECT_DIR, wait_until
from support.site import Site, running_site

WRITERS = 8
POSTS_PER_WRITER = 50
STORM_SOCKETS = 500
STORM_USERS = 5
STORM_ROOMS = 25


def count(site: Site, room: str) -> int:
    """Messages stored in `room`, read straight from the SQLite file."""
    with sqlite3.connect(database(site)) as db:
        query = (
            "SELECT COUNT(*) FROM rooms_message JOIN rooms_room"
            " ON rooms_room.id = rooms_message.room_id WHERE rooms_room.name = ?"
        )
        return db.execute(query, [room]).fetchone()[0]


def database(site: Site) -> Path:
    return Path(site.database_url.removeprefix("sqlite:///"))


# Each test posts as users of its own, so no test's posts count against another's limit.
USERS = [
    "alice",
    "bob",
    "origin",
    "framer",
    "garbler",
    "flooder",
    "outage",
    *(f"writer{n}" for n in range(WRITERS)),
    *(f"storm{n}" for n in range(STORM_USERS)),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """Two uvicorn processes sharing one redis-server (the site's own, for the outage) and one
    SQLite file, as deployed."""
    # The storm is 500 sockets of 5 people from one address: over the per-process caps
    # (rooms/limits.py), which tests/test_socket_limits.py tests.
    caps = {"SOCKETS_PER_USER": "1000", "SOCKETS_PER_ADDRESS": "1000"}
    # A small post allowance, so the flood test below reaches it in a few posts.
    caps["RATE_LIMIT_POST"] = "5/minute"
    with running_site(tmp_path_factory.mktemp("faults"), users=USERS, **caps) as site:
        yield site


# Concurrent writers -------------------------------------------------------------------------

WRITER = """
import sys
import django

django.setup()
from django.contrib.auth.models import User
from rooms.actions import post_message
from rooms.models import Room

room = Room.objects.get(name="writers")
author = User.objects.get(username=sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for number in range(int(sys.argv[2])):
    post_message(room, author, f"{sys.argv[1]} #{number}")
print("done", flush=True)
"""


def start_writer(env: dict[str, str], username: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, username, str(POSTS_PER_WRITER)],
        cwd=PROJECT_DIR, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def test_eight_processes_posting_at_once_store_exactly_every_message(site):
    site.client("alice").open_room("writers")
    env = {**site.env, "DJANGO_SETTINGS_MODULE": "chatsite.settings"}
    writers = [start_writer(env, f"writer{n}") for n in range(WRITERS)]
    # Every process is set up and connected before any writes: then all start together.
    for writer in writers:
        assert writer.stdout.readline() == "ready\n"
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = [writer.communicate(timeout=300) for writer in writers]
    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err
        assert out == "done\n"
        assert "database is locked" not in err
    sent = WRITERS * POSTS_PER_WRITER
    stored = count(site, "writers")
    print(f"\n{WRITERS} processes x {POSTS_PER_WRITER} posts: {sent} sent, {stored} stored")
    assert stored == sent
    with sqlite3.connect(database(site)) as db:
        bodies = {body for (body,) in db.execute("SELECT body FROM rooms_message")}
    expected = {f"writer{w} #{n}" for w in range(WRITERS) for n in range(POSTS_PER_WRITER)}
    assert expected <= bodies


# Sockets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1.evil.example", "null", "https://localhost.evil"],
)
async def test_a_foreign_origin_is_refused_by_the_real_server(site, origin):
    client = site.client("origin")
    client.open_room("origins")
    with pytest.raises(InvalidStatus) as refused:
        async with client.socket("origins", origin=origin):
            pass
    assert refused.value.response.status_code == 403


async def test_a_socket_without_origin_is_refused_and_one_from_the_site_is_not(site):
    client = site.client("origin")
    client.open_room("origins")
    url = site.servers[0].url.replace("http://", "ws://") + "/ws/chat/origins/"
    cookie = f"sessionid={client.cookie('sessionid')}"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, additional_headers=[("Cookie", cookie)]):
            pass
    assert refused.value.response.status_code == 403
    async with client.socket("origins") as socket:
        posted = client.post_message("origins", "hello")
        await receive_until(socket, f'id="message-{message_ids(posted.text)[0]}"')


async def test_an_oversized_frame_drops_the_connection_and_stores_nothing(site):
    client = site.client("framer")
    client.open_room("frames")
    async with client.socket("frames") as small, client.socket("frames") as big:
        # A frame at the limit is read (and ignored): the socket stays.
        await small.send("x" * MAX_FRAME)
        await big.send('{"type": "room.html", "html": "' + "x" * MAX_FRAME + '"}')
        # Dropped as soon as the frame passes the limit: 1009 ("too big") or no close at all.
        assert await until_closed(big) in {1006, 1009}
        posted = client.post_message("frames", "after the big one")
        await receive_until(small, f'id="message-{message_ids(posted.text)[0]}"')
    assert count(site, "frames") == 1
    assert "Traceback" not in site.servers[0].log_text()


async def test_malformed_frames_leave_the_socket_open_and_are_logged(site):
    client = site.client("garbler")
    client.open_room("malformed")
    server = site.servers[0]
    frames = ["not json", "{", '{"type": "room.html"}', "[]", b"\x00\xff"]
    before = server.log_text().count("INFO rooms.consumers")
    async with client.socket("malformed") as socket:
        for frame in frames:
            await socket.send(frame)
        wait_until(
            lambda: server.log_text().count("INFO rooms.consumers") - before == len(frames),
            timeout=30,
            what="the ignored frames to be logged",
        )
        posted = client.post_message("malformed", "still open")
        await receive_until(socket, f'id="message-{message_ids(posted.text)[0]}"')
    assert count(site, "malformed") == 1
    assert "Traceback" not in server.log_text()


async def test_logging_out_closes_that_users_sockets_on_every_server(site):
    first, second = site.servers
    alice, bob = site.client("alice", first), site.client("bob", second)
    alice.open_room("logout")
    other_tab = HttpClient(second.url, alice.jar)  # the same browser, on the other server
    async with (
        alice.socket("logout") as tab1,
        alice.socket("logout") as tab2,
        other_tab.socket("logout") as tab3,
        bob.socket("logout") as bobs,
    ):
        started = time.monotonic()
        assert alice.logout().status == 200
        closed_after = []
        for tab in (tab1, tab2, tab3):
            assert await until_closed(tab) == 4401
            closed_after.append(time.monotonic() - started)
        print(f"\nlogout closed 3 sockets on 2 servers; the last after {max(closed_after):.3f} s")
        posted = bob.post_message("logout", "alice is gone")
        await receive_until(bobs, f'id="message-{message_ids(posted.text)[0]}"')


# Floods --------------------------------------------------------------------------------------


def test_the_post_limit_holds_across_server_processes(site):
    first, second = site.servers
    flooder, bob = site.client("flooder", first), site.client("bob", second)
    flooder.open_room("flood")
    twin = HttpClient(second.url, flooder.jar)  # the same session, through the other process
    statuses = [
        (flooder if n % 2 else twin).post_message("flood", f"#{n}").status for n in range(8)
    ]
    print(f"\nflood of 8 posts through 2 processes: {statuses}")
    assert statuses == [200] * 5 + [429] * 3
    assert count(site, "flood") == 5
    assert bob.post_message("flood", "bob is not limited").status == 200


# Redis and servers failing -------------------------------------------------------------------


async def test_a_reconnect_storm_of_500_sockets_all_succeed(site):
    server = site.servers[0]
    users = [site.client(f"storm{n}", server) for n in range(STORM_USERS)]
    rooms = [f"storm-{n}" for n in range(STORM_ROOMS)]
    for n, room in enumerate(rooms):
        users[n % STORM_USERS].open_room(room)
    plan = [(users[n % STORM_USERS], rooms[n % STORM_ROOMS]) for n in range(STORM_SOCKETS)]

    async def open_all() -> list:
        return await asyncio.gather(*(user.socket(room) for user, room in plan))

    sockets = await open_all()
    log_before = len(server.log_text())
    server.restart()  # every socket drops at once ...
    for socket in sockets:
        assert await until_closed(socket) is not None
    sockets = await open_all()  # ... and all come back at once
    try:
        posted = post_in_rooms(site, rooms)
        await asyncio.gather(
            *(
                receive_until(socket, f'id="message-{posted[room]}"')
                for socket, (_, room) in zip(sockets, plan, strict=True)
            )
        )
    finally:
        await asyncio.gather(*(socket.close() for socket in sockets))
    log = server.log_text()[log_before:]
    print(f"\nreconnect storm: {STORM_SOCKETS} sockets reconnected, each got its room's message")
    for error in ["Too many connections", "MaxConnectionsError", "Traceback", "ERROR"]:
        assert error not in log


POSTER = """
import sys
import django

django.setup()
from django.contrib.auth.models import User
from rooms.models import Room
from rooms.actions import post_message

author = User.objects.get(username="alice")
for name in sys.argv[1:]:
    print(name, post_message(Room.objects.get(name=name), author, f"to {name}").pk)
"""


def post_in_rooms(site: Site, rooms: list[str]) -> dict[str, int]:
    """One message per room, from a separate process: it reaches sockets through Redis."""
    env = {**site.env, "DJANGO_SETTINGS_MODULE": "chatsite.settings"}
    out = subprocess.run(
        [sys.executable, "-c", POSTER, *rooms],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {name: int(pk) for name, pk in (line.split() for line in out.splitlines())}


async def test_with_redis_down_posts_are_stored_and_pages_catch_up_afterwards(site):
    first, second = site.servers
    alice, bob = site.client("outage", first), site.client("bob", second)
    alice.open_room("outage")
    async with bob.socket("outage") as socket:
        site.redis.stop()
        # The consumer loses its channel layer: the server closes the socket, the page retries.
        assert await until_closed(socket) is not None
    sent = []
    try:
        for number in range(3):
            response = alice.post_message("outage", f"while Redis is down #{number}")
            # The poster gets the usual answer: their message, no error.
            assert response.status == 200
            assert 'role="alert"' not in response.text
            [posted] = message_ids(response.text)
            sent.append(posted)
        plain = alice.post_message("outage", "without JavaScript too", htmx=False)
        assert plain.status == 200  # the redirect, followed, to the room page
    finally:
        site.redis.start()
    stored = count(site, "outage")
    assert stored == 4
    log = first.log_text()
    assert "ERROR rooms.broadcast: Broadcast to" in log
    assert "ERROR chatsite.ratelimit: Rate limit post unchecked" in log
    # Back with Redis: a page reconnects and catches up with everything it missed, once.
    async with bob.socket("outage") as socket:
        posted = alice.post_message("outage", "Redis is back")
        await receive_until(socket, f'id="message-{message_ids(posted.text)[0]}"')
    catch_up = message_ids(bob.request(f"/chat/outage/messages/?after={min(sent) - 1}").text)
    assert len(catch_up) == len(set(catch_up)) == 5
    print(f"\nRedis down: {stored} posts stored, all 5 with the one after caught up once, 0 lost")
