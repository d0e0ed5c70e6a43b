import re

from playwright.sync_api import Page, expect

from e2e.conftest import enter_room, messages_with, send, wait_until_live


def mark_page(page: Page) -> None:
    """Tag the live document, so a reload or navigation would show as a lost mark."""
    page.evaluate("window.__notReloaded = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__notReloaded === true")


def test_two_users_see_each_message_once_without_reload(logged_in, room_name):
    alice, bob = logged_in("alice"), logged_in("bob")
    for page in (alice, bob):
        enter_room(page, room_name)
        wait_until_live(page)
        mark_page(page)

    send(alice, "Hello from Alice")
    for page in (alice, bob):
        expect(messages_with(page, "Hello from Alice")).to_have_count(1)
    field = alice.get_by_label("Message", exact=True)
    expect(field).to_have_value("")
    expect(field).to_be_focused()

    send(bob, "Hi Alice, Bob here")
    for page in (alice, bob):
        expect(messages_with(page, "Bob here")).to_have_count(1)
        # Each page got the reply after Alice's message: a late duplicate would be here by now.
        expect(messages_with(page, "Hello from Alice")).to_have_count(1)
        expect(page.locator("#messages .message")).to_have_count(2)
        assert_not_reloaded(page)
    expect(bob.locator("#messages .message").first.locator(".author")).to_have_text("alice")
    expect(bob.locator("#messages .message time").first).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\dT")
    )


def test_shift_enter_adds_a_line_and_enter_sends(logged_in, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    field = alice.get_by_label("Message", exact=True)
    field.fill("first line")
    field.press("Shift+Enter")
    field.press_sequentially("second line")
    field.press("Enter")
    body = alice.locator("#messages .message .body")
    expect(body.locator("br")).to_have_count(1)
    assert body.inner_text() == "first line\nsecond line"


def test_a_page_on_one_server_receives_a_post_through_the_other(in_room, room_name):
    alice, bob = in_room(room_name, "alice", "bob")

    send(bob, "Posted through process two")
    expect(messages_with(alice, "Posted through process two")).to_have_count(1)
    send(alice, "And back through process one")
    expect(messages_with(bob, "And back through process one")).to_have_count(1)
    expect(messages_with(bob, "Posted through process two")).to_have_count(1)


def test_without_javascript_posting_redirects_back_with_the_message(logged_in, room_name):
    page = logged_in("carol", javascript=False)
    enter_room(page, room_name)
    page.get_by_label("Message", exact=True).fill("Sent without JavaScript")
    page.get_by_role("button", name="Send").click()
    # The room's URL was already the page's: first the message, on the page the post led to.
    expect(messages_with(page, "Sent without JavaScript")).to_have_count(1)
    expect(page).to_have_url(f"/chat/{room_name}/")


def test_without_javascript_an_empty_message_shows_an_error(logged_in, room_name):
    page = logged_in("carol", javascript=False)
    enter_room(page, room_name)
    # Spaces pass the browser's own `required` check; the server's trimming rejects them.
    page.get_by_label("Message", exact=True).fill("   ")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_have_text("Type a message first.")
    expect(page.locator("#messages .message")).to_have_count(0)


def test_an_empty_message_shows_an_inline_error_and_sends_nothing(logged_in, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    mark_page(alice)
    alice.get_by_label("Message", exact=True).fill("   ")
    alice.get_by_role("button", name="Send").click()
    expect(alice.get_by_role("alert")).to_have_text("Type a message first.")
    send(alice, "now a real one")
    expect(alice.get_by_role("alert")).to_have_count(0)
    expect(alice.locator("#messages .message")).to_have_count(1)
    assert_not_reloaded(alice)


def test_a_page_of_another_room_receives_nothing(logged_in, room_name):
    alice, bob = logged_in("alice"), logged_in("bob")
    elsewhere = f"{room_name}-other"
    enter_room(alice, room_name)
    enter_room(bob, elsewhere)
    for page in (alice, bob):
        wait_until_live(page)

    send(alice, "Only for the first room")
    expect(messages_with(alice, "Only for the first room")).to_have_count(1)
    # Bob's socket delivers in order: once his own room's message is here, a leak would be too.
    send(bob, "In the other room")
    expect(messages_with(bob, "In the other room")).to_have_count(1)
    expect(messages_with(bob, "Only for the first room")).to_have_count(0)
    expect(messages_with(alice, "In the other room")).to_have_count(0)


def test_signup_then_chat(browser, contexts, server, console, room_name):
    context = browser.new_context(base_url=server.url)
    contexts.append(context)
    page = console.watch(context.new_page())
    base = server.url
    page.goto("/chat/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/chat/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("dave")
    page.get_by_label("Password", exact=True).fill(PASSWORD_FOR_SIGNUP)
    page.get_by_label("Password confirmation").fill(PASSWORD_FOR_SIGNUP)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(f"{base}/chat/")
    enter_room(page, room_name)
    wait_until_live(page)
    send(page, "dave's first words")
    expect(messages_with(page, "dave's first words")).to_have_count(1)
    page.get_by_role("button", name="Log out").click()
    # Logged out once the form's answer is here: going on sooner could cut the logout short.
    expect(page).to_have_url(f"{base}/accounts/login/")
    page.goto(f"/chat/{room_name}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/chat/{room_name}/")


PASSWORD_FOR_SIGNUP = "a different long passphrase"
