"""Reactions in Chromium: two people on two server processes, live both ways; each page
marks its own; the picker with its palette, any emoji and :shortcode:; without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import enter_room, messages_with, send, wait_until_live
from e2e.test_rooms_and_people import serious_violations


def chip(page: Page, text: str, emoji: str):
    """The message's reaction button for `emoji`."""
    return messages_with(page, text).locator(".reaction", has_text=emoji)


def open_picker(page: Page, text: str):
    messages_with(page, text).get_by_role("link", name=re.compile("^React to ")).click()
    dialog = page.get_by_role("dialog", name=re.compile("^React to "))
    expect(dialog).to_be_visible()
    return dialog


@pytest.fixture
def two_pages(in_room, room_name):
    """Alice on server 1 and Bob on server 2 in one room, with Alice's message in it."""
    alice, bob = in_room(room_name, "alice", "bob")
    send(alice, "Pizza tonight?")
    for page in (alice, bob):
        expect(messages_with(page, "Pizza tonight?")).to_have_count(1)
    return alice, bob


def test_reactions_are_live_with_counts_names_and_mine_marked_per_viewer(two_pages):
    alice, bob = two_pages
    # Bob picks 👍 from the palette: the picker closes and both pages show it.
    open_picker(bob, "Pizza").get_by_role("button", name="👍", exact=True).click()
    expect(bob.get_by_role("dialog")).to_be_hidden()
    for page, mine in [(bob, "true"), (alice, "false")]:
        expect(chip(page, "Pizza", "👍")).to_have_attribute("aria-label", "👍 1: bob")
        expect(chip(page, "Pizza", "👍")).to_have_attribute("title", "👍 1: bob")
        expect(chip(page, "Pizza", "👍")).to_have_attribute("aria-pressed", mine)
        expect(chip(page, "Pizza", "👍").locator(".reaction-count")).to_have_text("1")
    # Focus went back to where the picker was opened from.
    expect(messages_with(bob, "Pizza").locator(".react-action")).to_be_focused()

    # Alice adds hers with the button itself, which keeps the focus once replaced.
    chip(alice, "Pizza", "👍").click()
    for page in (alice, bob):
        expect(chip(page, "Pizza", "👍")).to_have_attribute("aria-label", "👍 2: bob, alice")
        expect(chip(page, "Pizza", "👍")).to_have_attribute("aria-pressed", "true")
    expect(chip(alice, "Pizza", "👍")).to_be_focused()

    # Bob takes his away: still Alice's, no longer his.
    chip(bob, "Pizza", "👍").click()
    for page, mine in [(alice, "true"), (bob, "false")]:
        expect(chip(page, "Pizza", "👍")).to_have_attribute("aria-label", "👍 1: alice")
        expect(chip(page, "Pizza", "👍")).to_have_attribute("aria-pressed", mine)
    # Alice's too: the reaction is gone from both pages.
    chip(alice, "Pizza", "👍").click()
    for page in (alice, bob):
        expect(messages_with(page, "Pizza").locator(".reaction")).to_have_count(0)
    expect(messages_with(alice, "Pizza").locator(".react-action")).to_be_focused()


def test_the_picker_works_from_the_moment_it_shows_however_slowly_htmx_settles(two_pages):
    # htmx gives swapped-in forms their hx-post only when it settles: a picker shown
    # before that posted a quick Enter as a plain form, leaving the room (seen once in
    # the next test). A long settle makes that window wide enough to hit every time.
    alice, _ = two_pages
    alice.evaluate("htmx.config.defaultSettleDelay = 1500")
    dialog = open_picker(alice, "Pizza")
    field = dialog.get_by_label("Any emoji, or its :shortcode:")
    field.fill("pizza please")
    field.press("Enter")
    expect(dialog.get_by_role("alert")).to_contain_text("“pizza please” is not one emoji.")
    expect(alice).to_have_url(re.compile(r"/chat/[^/]+/$"))  # still the room


def test_any_emoji_or_shortcode_in_the_field_and_errors_keep_what_was_typed(two_pages):
    alice, bob = two_pages
    dialog = open_picker(alice, "Pizza")
    field = dialog.get_by_label("Any emoji, or its :shortcode:")
    field.fill("pizza please")
    field.press("Enter")
    expect(dialog.get_by_role("alert")).to_have_text(
        "“pizza please” is not one emoji. Pick one above, paste one, or type a :shortcode:."
    )
    field = dialog.get_by_label("Any emoji, or its :shortcode:")
    expect(field).to_have_value("pizza please")
    expect(field).to_be_focused()
    field.fill(":nope:")
    field.press("Enter")
    expect(dialog.get_by_role("alert")).to_have_text("No emoji is called :nope:.")
    # Typed at once into the form that came with the error: live as soon as it shows
    # (templates/base.html), not 20 ms later, when it would post as a plain form.
    assert alice.evaluate("htmx.config.defaultSettleDelay") == 0
    field.fill(":pizza:")
    field.press("Enter")
    expect(dialog).to_be_hidden()
    for page in (alice, bob):
        expect(chip(page, "Pizza", "🍕")).to_have_attribute("aria-label", "🍕 1: alice")
    # A pasted emoji works the same, and Escape closes the picker untouched.
    dialog = open_picker(bob, "Pizza")
    dialog.get_by_label("Any emoji, or its :shortcode:").fill("🍕")
    dialog.get_by_role("button", name="React", exact=True).click()
    for page in (alice, bob):
        expect(chip(page, "Pizza", "🍕")).to_have_attribute("aria-label", "🍕 2: alice, bob")
    dialog = open_picker(bob, "Pizza")
    # The palette starts with the message's reactions, Bob's own pressed.
    expect(dialog.get_by_role("button", name="🍕", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    bob.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(chip(bob, "Pizza", "🍕")).to_have_attribute("aria-label", "🍕 2: alice, bob")


def test_without_javascript_the_picker_is_a_page_and_others_see_it_live(logged_in, site, room_name):
    alice = logged_in("alice", via=site.servers[0])
    enter_room(alice, room_name)
    wait_until_live(alice)
    send(alice, "Anyone for tea?")
    carol = logged_in("carol", via=site.servers[1], javascript=False)
    enter_room(carol, room_name)
    messages_with(carol, "Anyone for tea?").get_by_role(
        "link", name="React to alice's message"
    ).click()
    expect(carol.get_by_role("heading", name="React to alice's message")).to_be_visible()
    carol.get_by_role("button", name="😮", exact=True).click()
    expect(carol).to_have_url(re.compile(rf"/chat/{room_name}/#message-\d+$"))
    expect(chip(carol, "tea", "😮")).to_have_attribute("aria-label", "😮 1: carol")
    expect(chip(alice, "tea", "😮")).to_have_attribute("aria-label", "😮 1: carol")
    # The reaction's own button leads to the picker, where it shows as Carol's to take back.
    chip(carol, "tea", "😮").click()
    take_back = carol.get_by_role("button", name="😮", exact=True)
    expect(take_back).to_have_attribute("aria-pressed", "true")
    take_back.click()
    expect(messages_with(carol, "tea").locator(".reaction")).to_have_count(0)
    expect(messages_with(alice, "tea").locator(".reaction")).to_have_count(0)
    # An error keeps what was typed.
    messages_with(carol, "tea").get_by_role("link", name="React to alice's message").click()
    carol.get_by_label("Any emoji, or its :shortcode:").fill("👍👍")
    carol.get_by_role("button", name="React", exact=True).click()
    expect(carol.get_by_role("alert")).to_contain_text("is not one emoji")
    expect(carol.get_by_label("Any emoji, or its :shortcode:")).to_have_value("👍👍")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reactions_and_the_picker_have_no_serious_accessibility_violations(two_pages, scheme):
    alice, bob = two_pages
    alice.emulate_media(color_scheme=scheme)
    open_picker(bob, "Pizza").get_by_role("button", name="🎉", exact=True).click()
    expect(chip(alice, "Pizza", "🎉")).to_have_attribute("aria-pressed", "false")
    chip(alice, "Pizza", "🎉").click()
    expect(chip(alice, "Pizza", "🎉")).to_have_attribute("aria-pressed", "true")
    assert serious_violations(alice) == []
    open_picker(alice, "Pizza")
    assert serious_violations(alice) == []
