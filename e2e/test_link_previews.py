"""Link cards in Chromium: the site's own background worker fetches a loopback web page after
the post, both pages see the card arrive without reloading, and its author removes it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from e2e.conftest import enter_room, messages_with, send, wait_until_live
from support.http_sites import HttpSite, http_site, image, page
from support.processes import wait_until
from support.site import WEB_HOST
from tests.link_cards import og_page, picture


@pytest.fixture(scope="module")
def web() -> Iterator[HttpSite]:
    with http_site({}, host=WEB_HOST) as web:
        yield web


def test_a_card_arrives_live_and_its_author_removes_it_for_everyone(logged_in, room_name, web):
    web.routes["/e2e-story"] = page(og_page("A live card", "Fetched after the post", "/c.jpg"))
    web.routes["/c.jpg"] = image(picture(), "image/jpeg")
    alice, bob = logged_in("alice"), logged_in("bob")
    for browser_page in (alice, bob):
        enter_room(browser_page, room_name)
        wait_until_live(browser_page)

    send(alice, f"Have a look: {web.url('/e2e-story')}")
    cards = [messages_with(p, "Have a look").locator(".link-card") for p in (alice, bob)]
    for card in cards:
        expect(card).to_be_visible()
        expect(card.locator(".link-card-title")).to_have_text("A live card")
        expect(card.locator(".link-card-description")).to_have_text("Fetched after the post")
        # The picture is this site's own copy (the CSP allows no other), loaded and drawn.
        picture_element = card.locator("img.link-card-image")
        expect(picture_element).to_have_attribute("src", re.compile(r"^/media/previews/"))
        expect(picture_element).to_have_js_property("naturalWidth", 600)
    # The same fragment on both pages; only the author's page shows "Remove preview".
    alice_remove, bob_remove = (card.get_by_role("link", name="Remove preview") for card in cards)
    expect(bob_remove).to_be_hidden()
    expect(alice_remove).to_be_visible()

    alice_remove.click()
    for browser_page, card in zip((alice, bob), cards, strict=True):
        expect(card).to_have_count(0)
        expect(messages_with(browser_page, "Have a look")).to_have_count(1)  # the message stays


def test_without_javascript_the_author_removes_a_card_through_a_form(logged_in, room_name, web):
    web.routes["/plain-story"] = page(og_page("A card without script"))
    alice = logged_in("alice", javascript=False)
    enter_room(alice, room_name)
    alice.get_by_label("Message", exact=True).fill(f"Plain: {web.url('/plain-story')}")
    alice.get_by_role("button", name="Send").click()
    # The form's own navigation must end before a reload, or the reload lands on a page
    # that is being replaced ("Not attached to an active page").
    expect(messages_with(alice, "Plain:")).to_have_count(1)
    card = messages_with(alice, "Plain:").locator(".link-card")
    # Without a socket a page shows what the worker has done by the time it loads.
    wait_until(lambda: alice.reload() and card.count(), timeout=60, what="the card, on reload")
    expect(card).to_be_visible()
    card.get_by_role("link", name="Remove preview").click()
    alice.get_by_role("button", name="Remove preview").click()
    expect(alice).to_have_url(f"/chat/{room_name}/")
    expect(messages_with(alice, "Plain:")).to_have_count(1)
    expect(messages_with(alice, "Plain:").locator(".link-card")).to_have_count(0)
