"""Composing in Chromium: a person's burst always goes through, a post refused for rate is
sent again by itself in order, and no text is ever cut or lost for being long."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from chatsite.ratelimit import TOO_MANY_MESSAGES
from e2e.conftest import enter_room, messages_with, wait_until_live
from support.asgi import AsgiServer
from support.site import Site
from support.users import create_users

TOO_MANY_REQUESTS = r"the server responded with a status of 429"


def limited_server(site: Site, directory, post_limit: str | None, users: list[str]) -> AsgiServer:
    """A server beside the site's two, on its database and Redis, with its own post limit
    (None: the default). The site's own servers barely limit posting."""
    env = {key: value for key, value in site.env.items() if key != "RATE_LIMIT_POST"}
    if post_limit:
        env["RATE_LIMIT_POST"] = post_limit
    create_users(site.env, users)
    return AsgiServer(env, log_path=directory / "server.log")


@pytest.fixture(scope="module")
def default_server(site: Site, tmp_path_factory) -> Iterator[AsgiServer]:
    server = limited_server(site, tmp_path_factory.mktemp("default"), None, ["dora"])
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def tight_server(site: Site, tmp_path_factory) -> Iterator[AsgiServer]:
    server = limited_server(site, tmp_path_factory.mktemp("tight"), "3/3seconds", ["tina", "nils"])
    yield server.start()
    server.stop()


def bodies_on(page: Page) -> list[str]:
    return page.locator("#messages .message .body").all_inner_texts()


def type_and_enter(page: Page, texts: list[str]) -> None:
    """As fast as a person can: type, Enter, type, Enter, with no waits between."""
    field = page.get_by_label("Message", exact=True)
    for text in texts:
        field.press_sequentially(text)
        field.press("Enter")


def test_twenty_messages_as_fast_as_enter_arrive_once_each_in_order(
    logged_in, default_server, site, room_name, console
):
    dora, bob = logged_in("dora", via=default_server), logged_in("bob", via=site.servers[1])
    for page in (dora, bob):
        enter_room(page, room_name)
        wait_until_live(page)
    texts = [f"burst {number:02}" for number in range(20)]
    type_and_enter(dora, texts)
    expect(bob.locator("#messages .message")).to_have_count(20)
    assert bodies_on(bob) == texts
    expect(dora.locator("#outbox")).to_be_hidden()
    assert bodies_on(dora) == texts


def test_a_post_refused_for_rate_is_sent_again_by_itself_in_order(
    logged_in, tight_server, site, room_name, console
):
    # Chromium logs each 429 answer as an error; those are the point here.
    console.expect(TOO_MANY_REQUESTS)
    tina, bob = logged_in("tina", via=tight_server), logged_in("bob", via=site.servers[1])
    for page in (tina, bob):
        enter_room(page, room_name)
        wait_until_live(page)
    texts = [f"paced {number}" for number in range(7)]
    type_and_enter(tina, texts)
    # Over the allowance of 3: the rest wait, shown to their author as being sent.
    expect(tina.locator("#outbox li").first).to_contain_text("sending")
    expect(tina.get_by_label("Message", exact=True)).to_have_value("")
    expect(bob.locator("#messages .message")).to_have_count(7, timeout=20_000)
    assert bodies_on(bob) == texts
    expect(tina.locator("#outbox")).to_be_hidden()
    expect(tina.get_by_role("alert")).to_have_count(0)


def test_without_javascript_a_refused_post_keeps_its_text_with_the_error(
    logged_in, tight_server, room_name, console
):
    console.expect(TOO_MANY_REQUESTS)
    nils = logged_in("nils", via=tight_server, javascript=False)
    enter_room(nils, room_name)
    field = nils.get_by_label("Message", exact=True)
    for number in range(4):
        field.fill(f"plain {number}")
        nils.get_by_role("button", name="Send").click()
    expect(nils.get_by_role("alert")).to_have_text(str(TOO_MANY_MESSAGES))
    expect(nils.get_by_label("Message", exact=True)).to_have_value("plain 3")
    expect(messages_with(nils, "plain 3")).to_have_count(0)


def test_a_long_message_shows_a_counter_and_is_refused_whole_over_the_limit(
    logged_in, site, room_name, console
):
    alice, bob = logged_in("alice"), logged_in("bob", via=site.servers[1])
    for page in (alice, bob):
        enter_room(page, room_name)
        wait_until_live(page)
    field = alice.get_by_label("Message", exact=True)
    counter = alice.locator("#composer-counter")
    field.fill("a" * 100)
    expect(counter).to_be_hidden()
    field.fill("b" * 9500)
    field.press("End")
    field.press_sequentially("c")
    expect(counter).to_have_text("9,501 / 10,000")
    over = "\U0001f600" * 10001
    field.fill(over)
    field.press("End")
    field.press("Enter")
    expect(alice.get_by_role("alert")).to_have_text(
        "Messages are at most 10000 characters (this one has 10001)."
    )
    expect(field).to_have_value(over)
    # One character less goes, whole: 10 000 emoji are far over the old body size limit.
    field.press("Backspace")
    field.press("Enter")
    expect(messages_with(bob, "\U0001f600")).to_have_count(1)
    assert bodies_on(bob) == ["\U0001f600" * 10000]


def test_typing_at_and_letters_offers_people_and_the_keyboard_inserts_one(
    logged_in, site, room_name, console
):
    create_users(site.env, ["mentor", "mentee"])
    alice, bob = logged_in("alice"), logged_in("bob", via=site.servers[1])
    for page in (alice, bob):
        enter_room(page, room_name)
        wait_until_live(page)
    field = alice.get_by_label("Message", exact=True)
    field.press_sequentially("thanks @ment")
    listbox = alice.get_by_role("listbox", name="People to mention")
    expect(listbox.get_by_role("option")).to_have_count(2)
    expect(field).to_have_attribute("role", "combobox")
    expect(field).to_have_attribute("aria-expanded", "true")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    field.press("ArrowDown")
    second = listbox.get_by_role("option").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(field).to_have_attribute("aria-activedescendant", second.get_attribute("id") or "")
    # Enter picks (mentee, then mentor: by username) rather than sends.
    field.press("Enter")
    expect(field).to_have_value("thanks @mentor ")
    expect(listbox).to_have_count(0)
    expect(field).not_to_have_attribute("role", "combobox")
    # Escape closes a list; Enter then sends.
    field.press_sequentially("and @ali")
    expect(listbox.get_by_role("option")).to_have_count(1)
    field.press("Escape")
    expect(listbox).to_have_count(0)
    field.press("Enter")
    expect(messages_with(bob, "thanks @mentor and @ali")).to_have_count(1)
    expect(alice.locator("#messages .message")).to_have_count(1)
