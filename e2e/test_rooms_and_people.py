"""Issue: rooms and people. Private rooms, direct conversations, mentions, unread counts."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from e2e.conftest import (
    choose_level,
    enter_room,
    messages_with,
    post_over_http,
    room_heading,
    send,
    wait_until_live,
)
from support.users import PASSWORD

NOT_FOUND = r"Failed to load resource: the server responded with a status of 404"


def create_private_room(page: Page, name: str) -> None:
    page.goto("/chat/")
    page.get_by_label("Room name").fill(name)
    page.get_by_label("Private").check()
    page.get_by_role("button", name="Join or create").click()
    expect(room_heading(page, name)).to_be_visible()


def add_member(page: Page, username: str, members_after: int) -> None:
    """Add `username` on the room's page; return once the room has them (the page that
    comes back counts them), so their own visit cannot come first and get 404."""
    page.get_by_text(f"{members_after - 1} member").click()
    page.get_by_label("Add someone by username").fill(username)
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".members summary")).to_have_text(f"{members_after} members")


def test_a_private_room_is_invisible_until_a_member_adds_you(logged_in, room_name, console):
    console.expect(NOT_FOUND)
    alice, bob = logged_in("alice"), logged_in("bob")
    create_private_room(alice, room_name)
    wait_until_live(alice)
    send(alice, "members only")

    response = bob.goto(f"/chat/{room_name}/")
    assert response.status == 404
    bob.goto("/chat/")
    expect(bob.get_by_role("link", name=f"#{room_name}")).to_have_count(0)

    add_member(alice, "bob", members_after=2)
    bob.goto(f"/chat/{room_name}/")
    wait_until_live(bob)
    expect(messages_with(bob, "members only")).to_have_count(1)
    send(alice, "welcome bob")
    expect(messages_with(bob, "welcome bob")).to_have_count(1)


def test_leaving_a_private_room_ends_its_live_page(logged_in, room_name, contexts):
    alice, bob = logged_in("alice"), logged_in("bob")
    create_private_room(alice, room_name)
    add_member(alice, "bob", members_after=2)
    bob.goto(f"/chat/{room_name}/")
    wait_until_live(bob)
    # Bob leaves in another tab; the page he left open is closed for good.
    other_tab = bob.context.new_page()
    other_tab.goto(f"/chat/{room_name}/")
    other_tab.get_by_text("2 members").click()
    other_tab.get_by_role("button", name="Leave").click()
    expect(other_tab).to_have_url(re.compile(r"/chat/$"))
    expect(bob.locator(".room")).to_have_attribute("data-connection", "closed")
    post_over_http(alice, room_name, "after bob left")
    expect(messages_with(alice, "after bob left")).to_have_count(1)
    expect(messages_with(bob, "after bob left")).to_have_count(0)


def test_a_direct_conversation_from_a_name(logged_in, room_name):
    alice, bob = logged_in("alice"), logged_in("bob")
    enter_room(bob, room_name)
    wait_until_live(bob)
    send(bob, "ask me anything")
    enter_room(alice, room_name)
    messages_with(alice, "ask me anything").get_by_role("link", name="bob", exact=True).click()
    expect(alice.get_by_role("heading", name="@bob")).to_be_visible()
    wait_until_live(alice)
    # alice and bob have one conversation for the whole site: a text no other test sends.
    question = f"a private question from {room_name}"
    send(alice, question)
    expect(messages_with(alice, question)).to_have_count(1)

    bob.goto("/chat/")
    conversation = bob.get_by_role("link", name="@alice")
    expect(conversation).to_be_visible()
    conversation.click()
    expect(bob.get_by_role("heading", name="@alice")).to_be_visible()
    expect(messages_with(bob, question)).to_have_count(1)


def test_a_mention_is_highlighted_for_the_mentioned_user_only(logged_in, room_name):
    alice, bob, carol = logged_in("alice"), logged_in("bob"), logged_in("carol")
    for page in (alice, bob, carol):
        enter_room(page, room_name)
        wait_until_live(page)
    send(alice, "@bob can you look?")
    mentioned = "el => getComputedStyle(el).getPropertyValue('--mentioned').trim()"
    for page, expected in ((bob, "1"), (carol, ""), (alice, "")):
        message = messages_with(page, "can you look?")
        expect(message).to_have_count(1)
        assert message.evaluate(mentioned) == expected
    expect(messages_with(bob, "can you look?").get_by_role("link", name="@bob")).to_be_visible()


def test_unread_counts_rise_live_and_clear_on_reading(logged_in, room_name):
    alice, bob = logged_in("alice"), logged_in("bob")
    enter_room(bob, room_name)  # joining: from now on the lobby counts for bob
    enter_room(alice, room_name)
    bob.goto("/chat/")
    wait_until_live(bob)
    row = bob.locator(".room-row", has=bob.get_by_role("link", name=f"#{room_name}"))
    expect(row.locator(".unread")).to_be_hidden()
    send(alice, "first")
    send(alice, "@bob second")
    expect(row.locator(".unread")).to_have_text("2 unread")
    expect(row.locator(".unread-mentions")).to_have_text("@1 unread mentions")
    expect(bob.locator(".room-row").first).to_contain_text(room_name)
    row.get_by_role("link").click()
    expect(messages_with(bob, "second")).to_have_count(1)
    bob.goto("/chat/")
    expect(row.locator(".unread")).to_be_hidden()
    expect(row.locator(".unread-mentions")).to_be_hidden()


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_pages_have_no_serious_accessibility_violations(browser, server, room_name, contexts):
    for scheme in ("light", "dark"):
        # A room per pass, each to hold the one message its pass sends.
        room = f"{room_name}-{scheme}"
        context = browser.new_context(base_url=server.url, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        checked = {}
        page.goto("/accounts/login/")
        checked["login"] = serious_violations(page)
        page.goto("/accounts/signup/")
        checked["signup"] = serious_violations(page)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{server.url}/chat/")
        wait_until_live(page)
        checked["lobby"] = serious_violations(page)
        enter_room(page, room)
        wait_until_live(page)
        # The mention first: Enter at the end of "@bob" would pick the suggestion instead.
        send(page, f"@bob, a message for the {scheme} checker")
        expect(messages_with(page, f"the {scheme} checker")).to_have_count(1)
        expect(page.locator("#messages .message")).to_have_count(1)
        checked["room"] = serious_violations(page)
        # The room muted, through its header's form (left open): the form, and the lobby's
        # dimmed row.
        choose_level(page, "Nothing (muted)")
        checked["room, notifications"] = serious_violations(page)
        page.goto("/chat/")
        expect(page.locator(".room-row.muted", has_text=room)).to_have_count(1)
        checked["lobby, a muted room"] = serious_violations(page)
        assert checked == {page_name: [] for page_name in checked}, scheme
