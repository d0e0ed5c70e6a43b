"""Issue 4, search: from the top bar or a room, to the room opened at the hit."""

from __future__ import annotations

import re
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from e2e.conftest import enter_room, messages_with, seed_messages
from support.site import Site


def unique_word() -> str:
    """A word no other test's message contains: the e2e site's database is shared."""
    return f"quokka{uuid.uuid4().hex[:10]}"


def search_from_top_bar(page: Page, query: str) -> None:
    field = page.get_by_role("search").get_by_label("Search messages")
    field.fill(query)
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"/chat/~search/\?q="))


def hits(page: Page):
    return page.locator(".search-results .search-hit")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_search_from_the_top_bar_opens_the_room_at_the_hit(
    logged_in, site: Site, room_name, javascript
):
    word = unique_word()
    # The hit is far above the latest page, so only ?around= can show it. Alice wrote it
    # herself, so it is not unread (a room opens at the first unread message).
    seed_messages(site, room_name, "bob", 60, "older chatter")
    seed_messages(site, room_name, "alice", 1, f"we saw a {word} at the zoo")
    seed_messages(site, room_name, "bob", 80, "newer chatter")
    page = logged_in("alice", javascript=javascript)
    enter_room(page, room_name)
    expect(messages_with(page, word)).to_have_count(0)

    search_from_top_bar(page, word[:12])  # a prefix of the word is enough
    expect(hits(page)).to_have_count(1)
    hit = hits(page).first
    expect(hit.locator(".search-room")).to_have_text(f"#{room_name}")
    expect(hit.locator(".author")).to_have_text("alice")
    expect(hit.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    expect(hit.locator("mark")).to_have_text(word)

    link = hit.get_by_role("link", name=re.compile(word))
    message_id = re.search(r"#message-(\d+)$", link.get_attribute("href")).group(1)
    link.click()
    expect(page).to_have_url(
        re.compile(rf"/chat/{room_name}/\?around={message_id}#message-{message_id}$")
    )
    target = page.locator(f"#message-{message_id}")
    expect(target).to_contain_text(f"we saw a {word} at the zoo")
    expect(target).to_be_in_viewport()
    assert target.evaluate("element => element.matches(':target')")
    # Highlighted: the page's :target rule sets it apart from the other messages.
    other = page.locator("#messages .message").first
    expect(other).not_to_have_id(f"message-{message_id}")
    shadow = "element => getComputedStyle(element).boxShadow"
    assert target.evaluate(shadow) != other.evaluate(shadow)


def test_searching_one_room_then_all_the_rooms_one_may_see(logged_in, site: Site, room_name):
    word = unique_word()
    other, hideout = f"{room_name}-other", f"{room_name}-hide"
    seed_messages(site, room_name, "alice", 1, f"{word} in this room")
    seed_messages(site, other, "alice", 1, f"{word} in another room")
    site.python(
        "from django.contrib.auth.models import User; "
        "from rooms.actions import open_room, post_message; "
        f"u = User.objects.get(username='carol'); r = open_room({hideout!r}, by=u, private=True); "
        f"post_message(r, u, '{word} in a private room')",
    )  # fmt: skip
    page = logged_in("alice")
    enter_room(page, room_name)

    page.get_by_role("link", name="Search this room").click()
    expect(page.get_by_role("radio", name=re.compile("This room"))).to_be_checked()
    page.get_by_label("Search messages").fill(word)
    page.get_by_role("button", name="Search").click()
    expect(hits(page)).to_have_count(1)
    expect(hits(page)).to_contain_text("in this room")

    page.get_by_role("radio", name="All rooms").check()
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile("scope=all"))
    # alice is not in carol's private room: its message is never among her results.
    expect(hits(page)).to_have_count(2)
    expect(page.locator(".search-results")).not_to_contain_text("private room")
    expect(page.locator(".search-results")).not_to_contain_text(hideout)

    carol = logged_in("carol")
    search_from_top_bar(carol, word)
    expect(hits(carol)).to_have_count(3)
    expect(hits(carol).first).to_contain_text("in a private room")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_search_page_has_no_serious_accessibility_violations(
    logged_in, site: Site, room_name, scheme
):
    word = unique_word()
    seed_messages(site, room_name, "alice", 2, f"a {word} <b>or</b> two")
    page = logged_in("alice")
    page.emulate_media(color_scheme=scheme)
    page.goto(f"/chat/~search/?q={word}&room={room_name}")
    expect(hits(page)).to_have_count(2)
    results = Axe().run(page)
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
