"""Link cards fetch under outbound HTTP's rules (issue 13), their pictures included: a picture
at a refused address is never connected to (a silent listener waits there), one over 1 MiB is
not taken, and a page that never finishes is given up after the default 5 s. Each time the
card still becomes what it can: ready without a picture, or failed."""

from __future__ import annotations

import logging
import random
from io import BytesIO

import pytest
from PIL import Image

from previews import images
from previews.models import LinkCard
from rooms.actions import post_message
from rooms.models import Message
from support.audit import recording
from support.http_sites import image, page, redirect, silent_listener, slow_drip
from support.site import WEB_HOST
from tests.link_cards import (  # noqa: F401 (fixtures)
    media_fixture,
    og_page,
    run_queued_tasks,
    stored_pictures,
    web_fixture,
)
from tests.test_previews_fetch import shown


@pytest.fixture(name="post")
def post_fixture(room, alice, django_capture_on_commit_callbacks):
    """post(body): alice posts `body`, and its link card's fetch is queued."""

    def post(body: str) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return post_message(room, alice, body)

    return post


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: about side x side x 3 bytes."""
    pixels = random.Random(side).randbytes(side * side * 3)
    encoded = BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(encoded, "PNG")
    return encoded.getvalue()


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:{port}/cover.png",
        "http://0x7f.1:{port}/cover.png",
        "http://localhost:{port}/cover.png",
        "http://[::ffff:127.0.0.1]:{port}/cover.png",
        "/to-loopback",  # on the allowed site, redirected to 127.0.0.1
    ],
)
def test_a_picture_at_a_refused_address_is_never_fetched(post, web, media, caplog, address):
    caplog.set_level(logging.INFO, logger="previews")
    with silent_listener("127.0.0.1") as listener:
        picture_url = address.format(port=listener.port)
        web.routes["/page"] = page(og_page("Still a card", image=picture_url))
        web.routes["/to-loopback"] = redirect(f"http://127.0.0.1:{listener.port}/cover.png")
        message = post(web.url("/page"))
        with recording("socket.connect") as seen:
            assert run_queued_tasks() == ["ready"]
        assert not listener.was_contacted()
    assert {arguments[0][0] for arguments in seen.of("socket.connect")} == {WEB_HOST}
    card = LinkCard.objects.get(message=message)
    assert (card.state, card.title, bool(card.image)) == ("ready", "Still a card", False)
    assert stored_pictures(media) == []
    html = shown(message)
    assert "Still a card" in html
    assert '<img class="link-card-image"' not in html
    assert "No picture for a link card from" in caplog.text


@pytest.mark.parametrize(("side", "kept"), [(560, True), (600, False)])
def test_a_picture_is_taken_up_to_1_mib(post, web, media, side, kept):
    data = noise_png(side)
    assert images.MAX_BYTES == 1024 * 1024
    assert (len(data) <= images.MAX_BYTES) == kept  # 560: some 920 KiB; 600: some 1.03 MiB
    web.routes["/page"] = page(og_page("Big picture", image="/big.png"))
    web.routes["/big.png"] = image(data)
    message = post(web.url("/page"))
    assert run_queued_tasks() == ["ready"]
    card = LinkCard.objects.get(message=message)
    assert bool(card.image) == kept
    assert len(stored_pictures(media)) == (1 if kept else 0)
    assert [request.path for request in web.requests] == ["/page", "/big.png"]


def test_a_page_that_never_finishes_is_given_up_after_the_default_5_seconds(post, web, caplog):
    caplog.set_level(logging.INFO, logger="previews")
    web.routes["/slow"] = slow_drip(0.2)
    message = post(web.url("/slow"))
    assert run_queued_tasks() == ["failed"]
    assert LinkCard.objects.get(message=message).state == "failed"
    assert f"No link card for {web.url('/slow')}: no complete answer within 5 s" in caplog.text
