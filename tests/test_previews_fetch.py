"""Link cards through the real task path, in this process: a post enqueues the fetch (and
fetches nothing itself); db_worker's own code runs it against a loopback web site through
the guarded client. What is refused or fails makes no card, or a card without a picture."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from PIL import Image

from previews.models import LinkCard
from rooms import fragments
from rooms.actions import delete_message, post_message
from rooms.models import Message
from support.http_sites import endless, image, page, png, redirect, reply, silent_listener
from tests.link_cards import (  # noqa: F401 (fixtures)
    media_fixture,
    og_page,
    picture,
    png_bomb,
    run_queued_tasks,
    stored_pictures,
    web_fixture,
)


@pytest.fixture
def post(room, alice, django_capture_on_commit_callbacks):
    def post(body: str) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return post_message(room, alice, body)

    return post


def shown(message: Message) -> str:
    """The message's fragment as pages get it now."""
    return fragments.message(Message.objects.for_display().get(pk=message.pk))


def test_a_link_gets_a_card_with_a_picture_after_the_post(
    post, web, media, django_capture_on_commit_callbacks
):
    web.routes["/article"] = page(og_page("Big &amp; bold news", "What happened", "/cover.jpg"))
    web.routes["/cover.jpg"] = image(picture(), "image/jpeg")
    message = post(f"look: {web.url('/article')}")
    # The post only queued the work: nothing was fetched, nothing shows yet.
    assert web.requests == []
    card = LinkCard.objects.get(message=message)
    assert (card.state, card.url) == ("pending", web.url("/article"))
    assert DBTaskResult.objects.ready().count() == 1
    assert "link-card" not in shown(message)
    posted_revision = Message.objects.get(pk=message.pk).revision

    with django_capture_on_commit_callbacks(execute=True):
        assert run_queued_tasks() == ["ready"]
    assert [request.path for request in web.requests] == ["/article", "/cover.jpg"]
    card.refresh_from_db()
    assert (card.title, card.description) == ("Big & bold news", "What happened")
    assert card.site_name == "127.0.0.2"
    assert Message.objects.get(pk=message.pk).revision > posted_revision  # a new revision
    [stored] = stored_pictures(media)
    thumbnail = Image.open(stored)
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (card.image_width, card.image_height))
    assert thumbnail.size == (600, 315)
    assert not thumbnail.getexif()
    assert b"Secret Camera" not in stored.read_bytes()
    html = shown(message)
    assert "Big &amp; bold news" in html
    assert card.image.url in html
    assert card.image.url.startswith("/media/previews/")
    served = Client().get(card.image.url)
    assert (served.status_code, served["Content-Type"]) == (200, "image/jpeg")
    assert served["X-Content-Type-Options"] == "nosniff"


def test_redirects_are_followed_and_the_final_url_resolves_the_picture(post, web, media):
    web.routes["/short"] = redirect(web.url("/long/story"))
    web.routes["/long/story"] = page(og_page(image="pic.png"))
    web.routes["/long/pic.png"] = image(png(40, 20))
    message = post(web.url("/short"))
    assert run_queued_tasks() == ["ready"]
    card = LinkCard.objects.get(message=message)
    assert card.url == web.url("/short")  # the link as posted
    assert (card.image_width, card.image_height) == (40, 20)


def test_a_message_without_a_link_gets_no_card_and_queues_nothing(post, web):
    post("no link here, just `https://code.example/` in code")
    assert not LinkCard.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_an_address_that_is_not_allowed_is_refused_without_connecting(post, web, caplog):
    caplog.set_level(logging.INFO, logger="previews")
    # 127.0.0.3 is loopback but outside OUTBOUND_ALLOWED_NETWORKS (only WEB_HOST is in it).
    with silent_listener("127.0.0.3") as listener:
        message = post(f"http://127.0.0.3:{listener.port}/secret")
        assert run_queued_tasks() == ["failed"]
        assert not listener.was_contacted()
    assert LinkCard.objects.get(message=message).state == "failed"
    assert "link-card" not in shown(message)
    assert "No link card for http://127.0.0.3" in caplog.text


@pytest.mark.parametrize(
    ("route", "why"),
    [
        (reply('{"title": "json"}', "application/json"), "not HTML"),
        (reply("<title>plain</title>", "text/plain"), "not HTML"),
        (image(png()), "an image"),
        (page("<html><body><p>No title, no description</p></body></html>"), "no metadata"),
        (page(""), "empty"),
        (page(og_page(), status=404), "not found"),
        (page(og_page(), status=500), "server error"),
        (page("<title>big</title>" + "x" * (1024 * 1024 + 1)), "over 1 MiB"),
        (endless(), "endless"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_pages_that_make_no_card(post, web, route, why):
    web.routes["/page"] = route
    message = post(web.url("/page"))
    assert run_queued_tasks() == ["failed"], why
    assert LinkCard.objects.get(message=message).state == "failed"
    assert "link-card" not in shown(message)


@pytest.mark.parametrize(
    "route",
    [
        page("<html>not an image</html>"),  # not image/*
        reply(b"<html><script>alert(1)</script></html>", "image/png"),  # lies about its type
        reply(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),  # truncated
        reply(b"", "image/png", status=404),
        "bomb",
        endless("image/png"),
    ],
    ids=["html", "html-as-png", "truncated", "missing", "decompression-bomb", "endless"],
)
def test_a_picture_that_fails_leaves_a_card_without_one(post, web, media, route):
    if route == "bomb":
        route = image(png_bomb())
    web.routes["/page"] = page(og_page("Has a title", image="/pic"))
    web.routes["/pic"] = route
    message = post(web.url("/page"))
    assert run_queued_tasks() == ["ready"]
    card = LinkCard.objects.get(message=message)
    assert card.state == "ready"
    assert not card.image
    assert stored_pictures(media) == []
    html = shown(message)
    assert "Has a title" in html
    assert '<img class="link-card-image"' not in html


def test_a_card_removed_or_a_message_deleted_meanwhile_is_left_alone(post, web, media, alice):
    web.routes["/page"] = page(og_page(image="/pic.png"))
    web.routes["/pic.png"] = image(png())
    removed = post(web.url("/page"))
    LinkCard.objects.filter(message=removed).update(state="removed")
    deleted = post(web.url("/page"))
    delete_message(Message.objects.get(pk=deleted.pk))
    revisions = {m.pk: m.revision for m in Message.objects.all()}
    assert run_queued_tasks() == ["gone", "gone"]
    assert LinkCard.objects.get(message=removed).state == "removed"
    assert LinkCard.objects.get(message=deleted).state == "pending"
    assert {m.pk: m.revision for m in Message.objects.all()} == revisions
    assert stored_pictures(media) == []  # the pictures fetched meanwhile are not kept
