"""Replies, links to messages, pins and the topic, across two pages on two server processes,
with JavaScript and without."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import enter_room, seed_messages, send, wait_until_live
from e2e.test_rooms_and_people import serious_violations


def message_saying(page: Page, text: str):
    """The message whose body is exactly `text` (a reply quoting it also contains it)."""
    body = page.locator(".body", has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))
    return page.locator("#messages article.message").filter(has=body)


def test_reply_then_follow_the_quote_on_the_page_and_beyond_it(in_room, site, room_name):
    seed_messages(site, room_name, "alice", 70, "old")
    alice, bob = in_room(room_name, "alice", "bob")
    # A reply to a message on the page: the quote shows in the composer, then in the reply.
    message_saying(alice, "old 69").get_by_role("link", name="Reply").click()
    expect(alice.locator("#composer-reply")).to_contain_text("Replying to alice")
    expect(alice.get_by_label("Message", exact=True)).to_be_focused()
    send(alice, "answering the last")
    for page in (alice, bob):
        expect(message_saying(page, "answering the last").locator(".reply-quote")).to_contain_text(
            "old 69"
        )
    expect(alice.locator("#composer-reply")).to_be_empty()
    bob.evaluate("window.__notReloaded = true")
    message_saying(bob, "answering the last").locator(".reply-quote").click()
    original = message_saying(bob, "old 69")
    expect(original).to_have_class(re.compile(r"\bquoted\b"))
    expect(original).to_be_in_viewport()
    assert bob.evaluate("window.__notReloaded === true")  # opened in place

    # A reply to a message far up (loaded with "Load older"): bob's page does not have it.
    alice.get_by_role("link", name="Load older messages").click()
    message_saying(alice, "old 5").get_by_role("link", name="Reply").click()
    expect(alice.locator("#composer-reply")).to_contain_text("old 5")
    send(alice, "answering an old one")
    quote = message_saying(bob, "answering an old one").locator(".reply-quote")
    expect(quote).to_contain_text("old 5")
    expect(message_saying(bob, "old 5")).to_have_count(0)
    quote.click()
    # The room opened around the original, highlighted.
    expect(bob).to_have_url(re.compile(r"\?around=\d+#message-\d+$"))
    expect(message_saying(bob, "old 5")).to_be_in_viewport()
    target_id = bob.url.rsplit("#", 1)[1]
    expect(bob.locator(f"#{target_id}:target")).to_have_count(1)
    expect(message_saying(bob, "old 5")).to_have_attribute("id", target_id)


def test_cancel_reply_empties_the_quote(logged_in, site, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    send(alice, "something")
    message_saying(alice, "something").get_by_role("link", name="Reply").click()
    expect(alice.locator("#composer-reply")).to_contain_text("something")
    alice.get_by_role("link", name="Cancel reply").click()
    expect(alice.locator("#composer-reply")).to_be_empty()
    send(alice, "not a reply")
    expect(message_saying(alice, "not a reply").locator(".reply-quote")).to_have_count(0)


def test_copy_link_then_open_it_highlighted_on_the_other_server(in_room, site, room_name):
    alice, bob = in_room(room_name, "alice", "bob")
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
    send(alice, "worth linking")
    message_saying(alice, "worth linking").get_by_role("link", name="Copy link").click()
    expect(alice.locator("#link-status")).to_have_text("Link copied")
    copied = alice.evaluate("navigator.clipboard.readText()")
    match = re.fullmatch(
        rf"{re.escape(site.servers[0].url)}(/chat/.+\?around=(\d+)#message-\2)", copied
    )
    assert match, copied
    for _ in range(3):
        send(bob, "after it")  # the linked message is not the last one
    bob.goto(match.group(1))
    linked = message_saying(bob, "worth linking")
    expect(linked).to_be_in_viewport()
    expect(bob.locator(f"#message-{match.group(2)}:target")).to_have_count(1)


def test_a_pin_shows_live_in_the_other_pages_panel(in_room, room_name):
    alice, bob = in_room(room_name, "alice", "bob")
    send(alice, "the plan")
    bob.get_by_text("Pinned (0)").click()  # bob opens the panel: it stays open as it changes
    message_saying(alice, "the plan").get_by_role("link", name="Pin", exact=True).click()
    panel = bob.locator("#pins")
    expect(panel.locator("summary")).to_have_text("Pinned (1)")
    expect(panel.get_by_role("link")).to_have_text("alice the plan")
    expect(message_saying(bob, "the plan").locator(".pinned-marker")).to_have_text("Pinned")
    message_saying(bob, "the plan").get_by_role("link", name="Unpin").click()
    expect(alice.locator("#pins summary")).to_have_text("Pinned (0)")
    expect(message_saying(alice, "the plan").locator(".pinned-marker")).to_have_count(0)


def test_a_topic_change_shows_live_with_its_history_line(in_room, room_name):
    alice, bob = in_room(room_name, "alice", "bob")
    alice.get_by_text("Change topic").click()
    alice.get_by_label("Topic", exact=True).fill("Ship it on Friday")
    alice.get_by_role("button", name="Set topic").click()
    for page in (alice, bob):
        expect(page.locator("#topic")).to_have_text(re.compile(r"Ship it on Friday$"))
        expect(page.locator("#messages .event")).to_have_text(
            re.compile(r"alice set the topic: Ship it on Friday")
        )
    # Too long (past the field's own maxlength): a clear error, and nothing changes.
    alice.get_by_text("Change topic").click()  # the form closed once the topic was set
    field = alice.get_by_label("Topic", exact=True)
    field.evaluate("field => field.removeAttribute('maxlength')")
    field.fill("x" * 251)
    alice.get_by_role("button", name="Set topic").click()
    expect(alice.get_by_role("alert")).to_contain_text("A topic is at most 250 characters")
    expect(bob.locator("#messages .event")).to_have_count(1)


def test_everything_works_without_javascript(logged_in, room_name):
    page = logged_in("carol", javascript=False)
    enter_room(page, room_name)
    page.get_by_label("Message", exact=True).fill("original words")
    page.get_by_role("button", name="Send").click()
    # Reply: the room with the quote in its composer.
    message_saying(page, "original words").get_by_role("link", name="Reply").click()
    expect(page.locator("#composer-reply")).to_contain_text("original words")
    page.get_by_label("Message", exact=True).fill("my reply")
    page.get_by_role("button", name="Send").click()
    reply = message_saying(page, "my reply")
    expect(reply.locator(".reply-quote")).to_contain_text("original words")
    # The quote, like "Copy link", is a link to the message: the room opened at it.
    reply.locator(".reply-quote").click()
    expect(page).to_have_url(re.compile(r"\?around=\d+#message-\d+$"))
    expect(page.locator(".message:target")).to_contain_text("original words")
    message_saying(page, "original words").get_by_role("link", name="Copy link").click()
    expect(page.locator(".message:target")).to_contain_text("original words")
    # Pin: a confirmation page, then the panel.
    message_saying(page, "original words").get_by_role("link", name="Pin", exact=True).click()
    page.get_by_role("button", name="Pin").click()
    expect(page.locator("#pins summary")).to_have_text("Pinned (1)")
    # Topic: the form, then the change and its line.
    page.get_by_text("Change topic").click()
    page.get_by_label("Topic", exact=True).fill("Quiet hours")
    page.get_by_role("button", name="Set topic").click()
    expect(page.locator("#topic")).to_have_text(re.compile("Quiet hours$"))
    expect(page.locator("#messages .event")).to_contain_text("carol set the topic: Quiet hours")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_replies_pins_topic_and_lines_have_no_serious_accessibility_violations(
    logged_in, room_name, scheme
):
    alice = logged_in("alice")
    alice.emulate_media(color_scheme=scheme)
    enter_room(alice, room_name)
    wait_until_live(alice)
    send(alice, "first words")
    message_saying(alice, "first words").get_by_role("link", name="Reply").click()
    expect(alice.locator("#composer-reply .reply-preview")).to_be_visible()
    send(alice, "a reply")
    # Pin once the reply has landed and the composer let go of its quote: a click while the
    # list scrolls to a new message (or the composer shrinks) lands beside the link.
    expect(message_saying(alice, "a reply").locator(".reply-quote")).to_have_count(1)
    expect(alice.locator("#composer-reply .reply-preview")).to_have_count(0)
    message_saying(alice, "first words").get_by_role("link", name="Pin", exact=True).click()
    expect(message_saying(alice, "first words").locator(".pinned-marker")).to_have_count(1)
    alice.get_by_text("Change topic").click()
    alice.get_by_label("Topic", exact=True).fill("Accessible")
    alice.get_by_role("button", name="Set topic").click()
    expect(alice.locator("#messages .event")).to_have_count(1)
    expect(message_saying(alice, "first words").locator(".pinned-marker")).to_have_count(1)
    alice.get_by_text("Pinned (1)").click()
    message_saying(alice, "first words").get_by_role("link", name="Reply").click()
    expect(alice.locator("#composer-reply .reply-preview")).to_be_visible()
    assert serious_violations(alice) == []
