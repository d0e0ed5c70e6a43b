"""Link cards end to end through real processes: a uvicorn server and the real background
worker (`manage.py db_worker`) sharing one database, a loopback web site, and a websocket
that hears the card arrive as the message's next revision. The post never waits for the
worker: with it stopped, posting works and the card comes once it runs again."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from PIL import Image

from support.http import receive_until
from support.http_sites import HttpSite, http_site, image, page
from support.site import WEB_HOST, Site, running_site, suite_postgres
from support.worker import TaskWorker, run_queued
from tests.link_cards import og_page, picture


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """One server, no worker of its own: each test runs the worker when it means to."""
    with running_site(
        tmp_path_factory.mktemp("previews"),
        users=("alice", "bob"),
        servers=1,
        postgres=suite_postgres(),
        worker=False,
        RATE_LIMIT_POST="1000/second",
    ) as site:
        yield site


@pytest.fixture(scope="module")
def web() -> Iterator[HttpSite]:
    with http_site({}, host=WEB_HOST) as web:
        yield web


def cards(site: Site) -> list[dict]:
    """Every link card in the site's database, read by a process of its own."""
    script = (
        "import json; from previews.models import LinkCard; print(json.dumps(list("
        "LinkCard.objects.order_by('pk').values('url', 'state', 'title', 'image'))))"
    )
    return json.loads(site.python(script))


def card_for(site: Site, url: str) -> dict:
    [card] = [card for card in cards(site) if card["url"] == url]
    return card


def served(site: Site, path: str) -> tuple[str, bytes]:
    """What the site's server answers at `path` to anyone: its type and bytes."""
    with urllib.request.urlopen(site.servers[0].url + path, timeout=30) as response:
        return response.headers["Content-Type"], response.read()


def revision_of(frame: str) -> int:
    return int(re.search(r'data-revision="(\d+)"', frame).group(1))


async def test_the_worker_fetches_after_the_post_and_open_pages_get_the_card(site, web):
    web.routes["/story"] = page(og_page("Worker news", "Fetched in the background", "/p.jpg"))
    web.routes["/p.jpg"] = image(picture(), "image/jpeg")
    alice, bob = site.client("alice"), site.client("bob")
    alice.open_room("news")
    async with bob.socket("news") as socket:
        posted = alice.post_message("news", f"read {web.url('/story')}")
        assert posted.status == 200
        assert "link-card" not in posted.text
        first = (await receive_until(socket, web.url("/story")))[-1]
        # Posting fetched nothing: the work waits in the queue for the worker.
        assert web.requests == []
        assert card_for(site, web.url("/story"))["state"] == "pending"

        assert "No more tasks to run" in run_queued(site.env)
        arrived = (await receive_until(socket, "Worker news"))[-1]
    assert revision_of(arrived) > revision_of(first)
    assert "Fetched in the background" in arrived
    card = card_for(site, web.url("/story"))
    assert card["state"] == "ready"
    assert [request.path for request in web.requests] == ["/story", "/p.jpg"]
    # The picture is stored re-encoded, without its metadata, and served by the site.
    stored = site.directory / "media" / card["image"]
    thumbnail = Image.open(stored)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (600, 315)
    assert not thumbnail.getexif()
    assert f'src="/media/{card["image"]}"' in arrived
    assert served(site, f"/media/{card['image']}") == ("image/jpeg", stored.read_bytes())
    # A page opened afterwards shows the card too.
    assert "Worker news" in bob.request("/chat/news/").text


async def test_with_the_worker_stopped_posting_works_and_the_card_comes_later(site, web):
    web.routes["/later"] = page(og_page("Worth the wait"))
    alice, bob = site.client("alice"), site.client("bob")
    alice.open_room("later")
    async with bob.socket("later") as socket:
        posted = alice.post_message("later", web.url("/later"))
        assert posted.status == 200
        await receive_until(socket, web.url("/later"))
        assert card_for(site, web.url("/later"))["state"] == "pending"
        assert not any(request.path == "/later" for request in web.requests)
        worker = TaskWorker(site.env, site.directory / "worker.log").start()
        try:
            arrived = (await receive_until(socket, "Worth the wait"))[-1]
        finally:
            worker.stop()
    assert 'class="link-card"' in arrived
    assert card_for(site, web.url("/later"))["state"] == "ready"
