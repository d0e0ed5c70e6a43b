"""Notification levels in the page (issue 15): the tab's count and badge, desktop
notifications while the tab is hidden, muting, and the button that asks for permission.

Headless Chromium never hides a page (bring_to_front leaves every page "visible"), so a
hidden tab is emulated: an init script makes document.hidden and visibilityState answer
from a flag and fires visibilitychange as a browser does. The real Notification API is
wrapped only to record what the page's own code constructs."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.conftest import (
    choose_level,
    enter_room,
    messages_with,
    post_over_http,
    wait_until_live,
)

OBSERVE = """
(() => {
  let hidden = false;
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", {
    configurable: true, get: () => (hidden ? "hidden" : "visible"),
  });
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  window.__notifications = [];
  window.__permissionRequests = 0;
  const Real = window.Notification;
  class Recorded extends Real {
    constructor(title, options = {}) {
      super(title, options);
      const { body, tag, data } = options;
      window.__notifications.push({ title, body, tag, data });
      window.__lastNotification = this;
    }
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = (...args) => {
    window.__permissionRequests += 1;
    return Real.requestPermission(...args);
  };
  window.Notification = Recorded;
})();
"""


def observed(page: Page, *, granted: bool = True) -> Page:
    """The page again, with notifications granted (or not) and observed, its tab hideable."""
    if granted:
        page.context.grant_permissions(["notifications"])
    page.context.add_init_script(OBSERVE)
    page.reload()
    wait_until_live(page)
    return page


def notifications(page: Page) -> list[dict]:
    return page.evaluate("window.__notifications")


def title(room: str, count: int = 0) -> re.Pattern:
    prefix = rf"\({count}\) " if count else ""
    return re.compile(rf"^{prefix}#{re.escape(room)} · Chat$")


def test_a_hidden_tab_counts_and_notifies_until_read(in_room, room_name):
    alice, bob = in_room(room_name, "alice", "bob")
    alice = observed(alice)
    # A public room tells of mentions only, unless one chooses everything.
    choose_level(alice, "Everything")
    expect(alice.locator("#desktop-notifications")).to_be_hidden()
    alice.evaluate("window.__setHidden(true)")

    post_over_http(bob, room_name, "hello from **bob**")
    expect(messages_with(alice, "hello from bob")).to_have_count(1)
    expect(alice).to_have_title(title(room_name, 1))
    alice.wait_for_function("window.__notifications.length === 1")
    message_id = messages_with(alice, "hello from bob").get_attribute("data-id")
    [shown] = notifications(alice)
    assert shown["title"] == f"bob in #{room_name}"
    assert shown["body"] == "hello from bob"
    assert shown["tag"] == f"message-{message_id}"
    # The badge: the site's icon redrawn with the count, as a data: URL.
    icon = alice.locator('link[rel="icon"]')
    expect(icon).to_have_attribute("href", re.compile(r"^data:image/png;base64,"))

    post_over_http(bob, room_name, "and again, @alice")
    expect(messages_with(alice, "and again")).to_have_count(1)
    expect(alice).to_have_title(title(room_name, 2))
    alice.wait_for_function("window.__notifications.length === 2")

    # Back to the tab: read, so the count and the badge go.
    alice.evaluate("window.__setHidden(false)")
    expect(alice).to_have_title(title(room_name))
    expect(icon).to_have_attribute("href", re.compile(r"/favicon\.(\w+\.)?svg$"))

    # A click on the last notification shows its message, highlighted.
    alice.evaluate("window.__lastNotification.dispatchEvent(new Event('click'))")
    last_id = messages_with(alice, "and again").get_attribute("data-id")
    expect(alice).to_have_url(re.compile(rf"#message-{last_id}$"))
    expect(alice.locator(f"#message-{last_id}:target")).to_be_visible()


def test_muting_a_room_stops_the_count_and_the_notifications(in_room, room_name):
    alice, bob = in_room(room_name, "alice", "bob")
    alice = observed(alice)
    choose_level(alice, "Nothing (muted)")
    alice.evaluate("window.__setHidden(true)")
    post_over_http(bob, room_name, "anyone there, @alice?")
    # The message is on the page: the page has weighed it, and counted nothing.
    expect(messages_with(alice, "anyone there")).to_have_count(1)
    expect(alice).to_have_title(title(room_name))
    assert notifications(alice) == []

    # Mentions only (once that one is read): a message that does not mention alice stays
    # uncounted, one that does counts.
    with alice.expect_response(lambda response: response.url.endswith("/read/")):
        alice.evaluate("window.__setHidden(false)")
    choose_level(alice, "Mentions only")
    alice.evaluate("window.__setHidden(true)")
    post_over_http(bob, room_name, "just chatting")
    expect(messages_with(alice, "just chatting")).to_have_count(1)
    expect(alice).to_have_title(title(room_name))
    post_over_http(bob, room_name, "now you, @alice")
    expect(messages_with(alice, "now you")).to_have_count(1)
    expect(alice).to_have_title(title(room_name, 1))
    alice.wait_for_function("window.__notifications.length === 1")
    assert notifications(alice)[0]["body"] == "now you, @alice"


def tab_count(page: Page) -> int:
    match = re.match(r"^\((\d+)\) ", page.title())
    return int(match.group(1)) if match else 0


def test_the_lobby_counts_what_qualifies_and_dims_muted_rooms(in_room, room_name):
    muted_room, loud_room = f"{room_name}-m", f"{room_name}-l"
    alice, bob = in_room(muted_room, "alice", "bob")
    choose_level(alice, "Nothing (muted)")
    enter_room(alice, loud_room)
    alice.goto("/chat/")
    wait_until_live(alice)
    rows = alice.locator("#room-list .room-row")
    muted_row, loud_row = (
        rows.filter(has_text=f"#{muted_room}"),
        rows.filter(has_text=f"#{loud_room}"),
    )
    expect(muted_row).to_have_class(re.compile(r"\bmuted\b"))
    expect(loud_row).not_to_have_class(re.compile(r"\bmuted\b"))
    # Rooms of earlier tests on this site may hold unread mentions of alice's already.
    before = tab_count(alice)

    post_over_http(bob, loud_room, "loud, @alice")
    expect(loud_row.locator(".unread-mentions")).to_have_attribute("data-count", "1")
    expect(alice).to_have_title(f"({before + 1}) Rooms · Chat")
    # A public room's message that mentions no one counts in its row, not in the tab.
    post_over_http(bob, loud_room, "loud, for all")
    expect(loud_row.locator(".unread")).to_have_attribute("data-count", "2")
    expect(alice).to_have_title(f"({before + 1}) Rooms · Chat")
    # The muted room's row counts its mention; the tab does not.
    post_over_http(bob, muted_room, "muted, @alice")
    expect(muted_row.locator(".unread-mentions")).to_have_attribute("data-count", "1")
    expect(alice).to_have_title(f"({before + 1}) Rooms · Chat")


def test_the_button_asks_for_permission_only_when_clicked(in_room, room_name):
    [alice] = in_room(room_name, "alice")
    alice = observed(alice, granted=False)
    button = alice.get_by_role("button", name="Turn on desktop notifications")
    expect(button).to_be_visible()
    assert alice.evaluate("[window.__permissionRequests, Notification.permission]") == [
        0,
        "default",
    ]
    button.click()
    # Headless Chromium answers at once (it denies); answered, the button goes.
    expect(button).to_be_hidden()
    assert alice.evaluate("window.__permissionRequests") == 1
