"""Web push in Chromium: "Enable push on this device" on the settings page registers the
service worker at the site's root, served by the site itself. Headless Chromium has no push
service to subscribe with here (Chrome's is on the internet, and tests reach only loopback;
and in Playwright's off-the-record contexts Chromium refuses the Push API outright), so
subscribing fails, and the page says so; the rest of the path, a subscription reaching the
server and the device listed and removed, goes through the page's own session and forms,
and from there to a real receiver (tests/test_push_*.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import enter_room, wait_until_live
from support.processes import wait_until
from support.site import Site, running_site, suite_postgres
from tests.push import receiver_fixture  # noqa: F401 (the `receiver` fixture)
from tests.test_push_worker import printed_keys, subscribe, visible_pages


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """A site of its own with push on, its keys from `manage.py webpush_keys`, and a Redis of
    its own, so that the visible pages it holds are this site's alone."""
    with running_site(
        tmp_path_factory.mktemp("push-site"),
        users=("alice", "bob"),
        servers=1,
        postgres=suite_postgres(),
        worker=False,
        **printed_keys(),
    ) as site:
        yield site


# The page's visibility, as the browser reports it when a tab goes to the background or back.
SET_VISIBILITY = """(state) => {
    Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
    document.dispatchEvent(new Event("visibilitychange"));
}"""


def settings_page(page: Page) -> None:
    page.goto("/accounts/profile/")
    expect(page.get_by_role("heading", name="Push notifications")).to_be_visible()


def test_enabling_push_registers_the_service_worker_at_the_root(logged_in, console, server):
    page = logged_in("alice")
    page.context.grant_permissions(["notifications"])
    settings_page(page)
    # What Chromium says of push in a browser context like Playwright's (off the record).
    console.expect("does not support the Push API")
    page.get_by_role("button", name="Enable push on this device").click()
    scope = page.evaluate("navigator.serviceWorker.ready.then((ready) => ready.scope)")
    assert scope == f"{server.url}/"
    script = page.evaluate("navigator.serviceWorker.ready.then((ready) => ready.active.scriptURL)")
    assert script == f"{server.url}/service-worker.js"
    # Without a reachable push service, subscribing fails: the page says so, nothing is stored.
    expect(page.locator("#push-status")).to_contain_text("Push could not be turned on here:")
    expect(page.get_by_text("No device gets push notifications yet.")).to_be_visible()


def test_a_subscribed_device_is_listed_and_removed_from_the_settings_page(logged_in, receiver):
    page = logged_in("bob")
    settings_page(page)
    # What push.js sends once subscribed, sent from the page with its session and CSRF token.
    status = page.evaluate(
        """async (subscription) => {
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            const response = await fetch("/notifications/subscriptions/", {
                method: "POST", body: JSON.stringify(subscription),
                headers: {"Content-Type": "application/json", "X-CSRFToken": token},
            });
            return response.status;
        }""",
        receiver.subscription,
    )
    assert status == 201
    page.reload()
    devices = page.locator("#push-devices li")
    expect(devices).to_have_count(1)
    expect(devices).to_contain_text("Chrome")  # the device's own User-Agent
    devices.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("No device gets push notifications yet.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/profile/#push$"))


def test_without_javascript_a_device_is_removed_with_the_plain_form(logged_in, receiver, site):
    page = logged_in("alice", javascript=False)
    client = site.client("alice")
    client.request("/accounts/profile/")
    assert subscribe(client, receiver.subscription) == 201
    settings_page(page)
    expect(page.get_by_role("button", name="Enable push on this device")).to_be_hidden()
    page.locator("#push-devices li").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("No device gets push notifications yet.")).to_be_visible()


def test_a_room_page_tells_the_server_whether_it_is_visible(logged_in, room_name, site):
    page = logged_in("bob")
    enter_room(page, room_name)
    wait_until_live(page)
    wait_until(lambda: visible_pages(site) == 1, timeout=30, what="the open page's record")
    # The tab goes to the background: the page says so, and its record goes.
    page.evaluate(SET_VISIBILITY, "hidden")
    wait_until(lambda: visible_pages(site) == 0, timeout=30, what="the hidden page's record gone")
    page.evaluate(SET_VISIBILITY, "visible")
    wait_until(lambda: visible_pages(site) == 1, timeout=30, what="the page shown again")
    page.close()
    wait_until(lambda: visible_pages(site) == 0, timeout=30, what="the closed page's record gone")
