"""Hostile input and floods as Chromium meets them: the policy holds, nothing runs, no id moves.

The `console` fixture fails a test on any console error, so any Content Security Policy
violation a page causes fails it too; the errors a test provokes on purpose are declared
with `console.expect`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import (
    enter_room,
    messages_with,
    send,
    wait_until_live,
)
from support.asgi import AsgiServer
from support.site import Site
from support.users import create_users
from tests.markup import HOSTILE_BODIES

# Chromium's words for a response it logs as an error, and for what CSP refused.
TOO_MANY_REQUESTS = r"the server responded with a status of 429"
CSP_REFUSED = r"violates the following Content Security Policy directive"
# Bodies whose text Markdown reads (entities, line breaks): shown as formatted, not typed.
MARKDOWN_MEANINGFUL = {"entities", "newlines-and-tabs"}


def page_state(page: Page) -> dict:
    """What hostile text must never change: ids, scripts, and whether anything ran. (Ids
    the page makes itself for messages, and the "New" divider a reload shows, apart.)"""
    return page.evaluate(
        """() => ({
            ids: Array.from(document.querySelectorAll("[id]"), (e) => e.id)
                .filter((id) => !/^(message-\\d+|unread-divider)$/.test(id)),
            scripts: Array.from(document.scripts, (s) => s.src),
            xss: window.__xss ?? null,
            messageLists: document.querySelectorAll("#messages").length,
            composers: document.querySelectorAll("#composer").length,
        })"""
    )


def body_texts(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries(Array.from(
            document.querySelectorAll("#messages .message"),
            (m) => [m.dataset.id, m.querySelector(".body").textContent]))"""
    )


def test_pages_carry_the_policy_and_the_browser_enforces_it(logged_in, room_name, console):
    console.expect(CSP_REFUSED)
    alice = logged_in("alice")
    for path in ["/chat/", "/accounts/signup/"]:
        policy = alice.goto(path).headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
    enter_room(alice, room_name)
    wait_until_live(alice)
    send(alice, "mine")
    own = messages_with(alice, "mine")
    expect(own).to_have_count(1)
    # The room page's one inline rule (per-viewer looks) runs under its nonce.
    assert own.evaluate("(m) => getComputedStyle(m).getPropertyValue('--mine').trim()") == "1"
    # Script that is not one of our files is refused.
    alice.evaluate(
        """() => {
            window.__violations = [];
            document.addEventListener("securitypolicyviolation",
                (e) => window.__violations.push(e.effectiveDirective));
            const script = document.createElement("script");
            script.textContent = "window.__xss = 'inline'";
            document.body.append(script);
        }"""
    )
    alice.wait_for_function("window.__violations.length > 0")
    assert alice.evaluate("window.__violations") == ["script-src-elem"]
    assert alice.evaluate("window.__xss ?? null") is None


def test_hostile_bodies_stay_inert_text_on_every_page(in_room, site, room_name, console):
    alice, bob = in_room(room_name, "alice", "bob")
    dialogs: list[str] = []
    for page in (alice, bob):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    before = {page: page_state(page) for page in (alice, bob)}

    # The corpus, stored as carol from another process: it reaches both pages by socket.
    corpus = {**HOSTILE_BODIES, "10000-combining-marks": "Z" + "\u0301" * 10_000}
    site.python(
        "import json; from django.contrib.auth.models import User; "
        "from rooms.actions import open_room, post_message; "
        f"u = User.objects.get(username='carol'); r = open_room({room_name!r}, by=u); "
        f"[post_message(r, u, body) for body in json.loads({json.dumps(list(corpus.values()))!r})]",
    )  # fmt: skip
    # And one typed into the composer: back through the POST answer, and to bob by socket.
    typed = "</textarea><script>window.__xss = 'typed'</script><img src=x onerror=alert(1)>"
    send(alice, typed)
    expected = [*corpus.values(), typed]
    for page in (alice, bob):
        expect(page.locator("#messages .message")).to_have_count(len(expected))
    bob.reload()  # the same messages rendered over HTTP
    wait_until_live(bob)
    expect(bob.locator("#messages .message")).to_have_count(len(expected))

    for page in (alice, bob):
        assert page_state(page) == before[page]
        shown = list(body_texts(page).values())
        for name, body, text in zip([*corpus, "typed"], expected, shown, strict=True):
            if name not in MARKDOWN_MEANINGFUL:
                assert text == body.strip(), name
    assert dialogs == []
    # The page still works: the composer sends, and the other page receives.
    send(alice, "still working")
    expect(messages_with(bob, "still working")).to_have_count(1)
    print(f"\nhostile bodies in the browser: {len(expected)} posted, 0 ran, 0 ids changed")


@pytest.fixture(scope="module")
def strict_server(site: Site, tmp_path_factory) -> Iterator[AsgiServer]:
    """A third server on the same database and Redis, posting limited to 5 a minute (the
    e2e site's own servers barely limit posting, so other tests may post fast)."""
    env = {**site.env, "RATE_LIMIT_POST": "5/minute"}
    create_users(site.env, ["mallory"])
    server = AsgiServer(env, log_path=tmp_path_factory.mktemp("strict") / "server.log")
    yield server.start()
    server.stop()


def test_posting_too_fast_is_refused_visibly_and_stores_nothing(
    in_room, strict_server, room_name, console
):
    # Chromium logs every 4xx answer to a request as an error; this one is the point.
    console.expect(TOO_MANY_REQUESTS)
    mallory, bob = in_room(room_name, ("mallory", strict_server), "bob")
    for number in range(5):
        send(mallory, f"flood {number}")
        expect(messages_with(mallory, f"flood {number}")).to_have_count(1)
    send(mallory, "one too many")
    # What was typed waits in the page's outbox, to go again by itself after Retry-After
    # (a minute here; e2e/test_composing.py sees one through); nothing was stored or sent.
    expect(mallory.locator("#outbox li", has_text="one too many")).to_contain_text("sending")
    send(bob, "bob is not limited")
    for page in (mallory, bob):
        expect(messages_with(page, "bob is not limited")).to_have_count(1)
        expect(page.locator("#messages .message")).to_have_count(6)
        expect(messages_with(page, "one too many")).to_have_count(0)


def test_logging_out_in_one_tab_closes_the_other_tabs_at_once(logged_in, console, room_name, site):
    alice = logged_in("alice")
    other_tab = console.watch(alice.context.new_page())
    bob = logged_in("bob", via=site.servers[1])
    for page in (alice, other_tab, bob):
        enter_room(page, room_name)
        wait_until_live(page)
    # Both tabs note the time: the logout form's submit, and the other socket's close.
    other_tab.evaluate(
        "document.addEventListener('htmx:wsClose', () => { window.__closedAt = Date.now() })"
    )
    alice.evaluate(
        "document.addEventListener('submit', () => localStorage.setItem('loggedOutAt', Date.now()))"
    )
    alice.get_by_role("button", name="Log out").click()
    # Closed by the server with 4401, which the page does not retry.
    expect(other_tab.locator(".room")).to_have_attribute("data-connection", "closed")
    logged_out_at = int(other_tab.evaluate("localStorage.getItem('loggedOutAt')"))
    closed_after = other_tab.evaluate("window.__closedAt") - logged_out_at
    print(f"\nlogout: the other tab's socket closed {closed_after} ms after the form was sent")
    send(bob, "after alice left")
    expect(messages_with(bob, "after alice left")).to_have_count(1)
    expect(messages_with(other_tab, "after alice left")).to_have_count(0)
    expect(other_tab.locator(".room")).to_have_attribute("data-connection", "closed")
    other_tab.reload()
    expect(other_tab).to_have_url(f"{site.servers[0].url}/accounts/login/?next=/chat/{room_name}/")


def test_an_oversized_frame_from_a_page_drops_only_that_socket(logged_in, room_name, console):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    code = alice.evaluate(
        """(room) => new Promise((resolve) => {
            const socket = new WebSocket(`ws://${location.host}/ws/chat/${room}/`);
            socket.onopen = () => socket.send("x".repeat(64 * 1024 + 1));
            socket.onclose = (event) => resolve(event.code);
        })""",
        room_name,
    )
    assert code in (1006, 1009)
    # The page's own socket is untouched and nothing was stored.
    send(alice, "still live")
    expect(alice.locator("#messages .message")).to_have_count(1)
    wait_until_live(alice)
