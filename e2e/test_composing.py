"""Composing in Chromium: a person's burst always goes through, a post refused for rate (with
files or not) is sent again by itself in order, posts still on their way outlive a reload,
and no text is ever cut or lost for being long."""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Error, Page, Route, expect

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
    server = limited_server(site, tmp_path_factory.mktemp("tight"), "3/3seconds", ["tina"])
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def hourly_server(site: Site, tmp_path_factory) -> Iterator[AsgiServer]:
    """A limit that cannot refill while a browser without JavaScript loads page after page:
    on a busy machine four of those can take longer than 3/3seconds' one second a post."""
    server = limited_server(site, tmp_path_factory.mktemp("hourly"), "3/hour", ["nils"])
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def one_in_four_server(site: Site, tmp_path_factory) -> Iterator[AsgiServer]:
    server = limited_server(site, tmp_path_factory.mktemp("files"), "1/4seconds", ["fiona"])
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
    in_room, default_server, room_name, console
):
    dora, bob = in_room(room_name, ("dora", default_server), "bob")
    texts = [f"burst {number:02}" for number in range(20)]
    type_and_enter(dora, texts)
    expect(bob.locator("#messages .message")).to_have_count(20)
    assert bodies_on(bob) == texts
    expect(dora.locator("#outbox")).to_be_hidden()
    assert bodies_on(dora) == texts


def test_a_post_refused_for_rate_is_sent_again_by_itself_in_order(
    in_room, tight_server, room_name, console
):
    # Chromium logs each 429 answer as an error; those are the point here.
    console.expect(TOO_MANY_REQUESTS)
    tina, bob = in_room(room_name, ("tina", tight_server), "bob")
    texts = [f"paced {number}" for number in range(7)]
    type_and_enter(tina, texts)
    # Over the allowance of 3: the rest wait, shown to their author as being sent.
    expect(tina.locator("#outbox li").first).to_contain_text("sending")
    expect(tina.get_by_label("Message", exact=True)).to_have_value("")
    expect(bob.locator("#messages .message")).to_have_count(7, timeout=20_000)
    assert bodies_on(bob) == texts
    expect(tina.locator("#outbox")).to_be_hidden()
    expect(tina.get_by_role("alert")).to_have_count(0)


def test_posts_still_sending_when_the_page_reloads_are_sent_once_each_in_order(
    in_room, room_name, console
):
    alice, bob = in_room(room_name, "alice", "bob")
    # The posts are held on their way (the first is in flight, the rest wait behind it)...
    held: list[Route] = []
    released = False

    def hold(route: Route) -> None:
        if released or route.request.method != "POST":
            route.continue_()
        else:
            held.append(route)

    alice.route(re.compile(rf"/chat/{re.escape(room_name)}/messages/$"), hold)
    texts = ["kept 1", "kept 2", "kept 3"]
    type_and_enter(alice, texts)
    expect(alice.locator("#outbox .outbox-body")).to_have_text(texts)
    # ... when the page goes: the page that opens again has them, still being sent.
    alice.reload()
    expect(alice.locator("#outbox .outbox-body")).to_have_text(texts)
    expect(alice.locator("#outbox .outbox-state")).to_have_text(["sending…"] * 3)
    expect(messages_with(bob, "kept")).to_have_count(0)

    released = True
    alice.unroute_all()
    for route in held:
        # The first was the page's that went away, whose request Chromium may have dropped.
        with contextlib.suppress(Error):
            route.continue_()
    expect(bob.locator("#messages .message")).to_have_count(3)
    assert bodies_on(bob) == texts
    expect(alice.locator("#outbox")).to_be_hidden()
    assert bodies_on(alice) == texts
    # Nothing left to send again, and nothing twice: the server has each once.
    kept = "Object.keys(sessionStorage).filter((key) => key.startsWith('chat-outbox'))"
    assert alice.evaluate(kept) == []
    bob.reload()
    expect(bob.locator("#messages .message")).to_have_count(3)
    assert bodies_on(bob) == texts


def test_only_posts_the_page_kept_are_sent_again_from_the_tab_s_storage(
    in_room, room_name, console
):
    alice, bob = in_room(room_name, "alice", "bob")
    url = alice.locator("#composer").evaluate("form => form.action")
    # Whatever else lies under the outbox's key: broken JSON, the wrong shape, a key that
    # is no UUID, no text, a hostile reply id; and one post as the outbox keeps it.
    kept = [
        {"key": "not-a-key", "body": "bad key", "replyTo": ""},
        {"key": str(uuid.uuid4()), "body": "   ", "replyTo": ""},
        {"key": str(uuid.uuid4()), "body": "x", "replyTo": "1 OR 1"},
        {"key": str(uuid.uuid4()), "body": "<b>kept</b>", "replyTo": ""},
        "just a string",
    ]
    for value in ["{not json", '{"key": "an object"}', json.dumps(kept)]:
        alice.evaluate(
            "([key, value]) => sessionStorage.setItem(key, value)", [f"chat-outbox {url}", value]
        )
        alice.reload()
        wait_until_live(alice)
    expect(messages_with(bob, "<b>kept</b>")).to_have_count(1)
    expect(alice.locator("#outbox")).to_be_hidden()
    assert bodies_on(bob) == ["<b>kept</b>"]
    assert alice.evaluate("(key) => sessionStorage.getItem(key)", f"chat-outbox {url}") is None


def test_a_post_with_files_refused_for_rate_is_sent_again_by_itself_in_order(
    in_room, one_in_four_server, room_name, console
):
    console.expect(TOO_MANY_REQUESTS)
    fiona, bob = in_room(room_name, ("fiona", one_in_four_server), "bob")
    field = fiona.get_by_label("Message", exact=True)
    type_and_enter(fiona, ["first"])
    expect(messages_with(fiona, "first")).to_have_count(1)
    # Within the limit's four seconds: this one (by htmx, for its progress) is refused.
    fiona.locator("#composer input[type=file]").set_input_files(
        [{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"some notes\n"}]
    )
    field.fill("with notes")
    field.press("Enter")
    pending = fiona.locator("#outbox li", has_text="with notes")
    expect(pending).to_contain_text("notes.txt")
    expect(pending).to_contain_text("sending")
    # The composer is free for the next one, which goes after it.
    expect(fiona.locator("#selected-files .selected-file-name")).to_have_count(0)
    expect(fiona.get_by_role("alert")).to_have_count(0)
    type_and_enter(fiona, ["after the notes"])
    expect(bob.locator("#messages .message")).to_have_count(3, timeout=20_000)
    assert bodies_on(bob) == ["first", "with notes", "after the notes"]
    expect(messages_with(bob, "with notes").locator(".attachment .file-name")).to_have_text(
        "notes.txt"
    )
    expect(fiona.locator("#outbox")).to_be_hidden()
    expect(fiona.get_by_role("alert")).to_have_count(0)


def test_without_javascript_a_refused_post_keeps_its_text_with_the_error(
    logged_in, hourly_server, room_name, console
):
    console.expect(TOO_MANY_REQUESTS)
    nils = logged_in("nils", via=hourly_server, javascript=False)
    enter_room(nils, room_name)
    field = nils.get_by_label("Message", exact=True)
    for number in range(4):
        field.fill(f"plain {number}")
        nils.get_by_role("button", name="Send").click()
    expect(nils.get_by_role("alert")).to_have_text(str(TOO_MANY_MESSAGES))
    expect(nils.get_by_label("Message", exact=True)).to_have_value("plain 3")
    expect(messages_with(nils, "plain 3")).to_have_count(0)


def test_a_long_message_shows_a_counter_and_is_refused_whole_over_the_limit(
    in_room, room_name, console
):
    alice, bob = in_room(room_name, "alice", "bob")
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
    in_room, site, room_name, console
):
    create_users(site.env, ["mentor", "mentee"])
    alice, bob = in_room(room_name, "alice", "bob")
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
