"""Issue 14, arriving in a room and reading: the "New" divider and starting there, the offer
to create a missing room, day dividers and grouped messages, the lobby's local times. Two
readers on two server processes, with and without JavaScript."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from e2e.conftest import (
    enter_room,
    htmx_post,
    messages_with,
    post_over_http,
    room_heading,
    seed_messages,
    send,
    wait_until_live,
)
from e2e.test_rooms_and_people import serious_violations
from support.site import Site

# Far from UTC (+14, no summer time), so the reader's days are not the server's.
READER_ZONE = "Pacific/Kiritimati"


def in_zone(page: Page, zone: str = READER_ZONE):
    """Chromium's own time-zone emulation for this page (kept across navigations while the
    returned session lives)."""
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setTimezoneOverride", {"timezoneId": zone})
    return session


def seed_at(site: Site, room: str, posts: list[tuple[str, str, datetime]]) -> None:
    """Store (author, text, posted at) messages through the model, dated in the past."""
    rows = [(author, text, when.isoformat()) for author, text, when in posts]
    site.python(
        "from datetime import datetime; from django.contrib.auth.models import User; "
        "from rooms.actions import open_room, post_message; from rooms.models import Message\n"
        f"for author, text, when in {rows!r}:\n"
        "    u = User.objects.get(username=author); r = open_room(" + repr(room) + ", by=u)\n"
        "    m = post_message(r, u, text)\n"
        "    Message.objects.filter(pk=m.pk).update(created_at=datetime.fromisoformat(when))",
    )  # fmt: skip


# Chromium logs every 404 answer, the offer to create a room included.
NOT_FOUND = r"status of 404"


def day_dividers(page: Page):
    return page.locator("#messages > .day-divider")


def unread_divider(page: Page):
    return page.locator("#messages > .unread-divider")


# ---- Arriving: the "New" divider ----


def test_the_new_divider_stands_before_the_first_message_not_read(logged_in, site, room_name):
    alice, bob = logged_in("alice"), logged_in("bob", via=site.servers[1])
    enter_room(alice, room_name)
    enter_room(bob, room_name)
    wait_until_live(bob)
    send(alice, "read by everyone")
    expect(messages_with(bob, "read by everyone")).to_have_count(1)
    alice.goto("/chat/")
    for n in range(3):
        post_over_http(bob, room_name, f"while alice was away {n}")
    expect(messages_with(bob, "while alice was away 2")).to_have_count(1)

    alice.goto(f"/chat/{room_name}/")
    wait_until_live(alice)
    divider = unread_divider(alice)
    expect(divider).to_have_text("New")
    expect(divider).to_be_in_viewport()
    after = alice.locator("#messages > .unread-divider + .message")
    expect(after).to_contain_text("while alice was away 0")
    # Bob read everything as it came, on his own page: no divider there, nor for what comes
    # while both pages are open.
    expect(unread_divider(bob)).to_have_count(0)
    send(bob, "seen at once")
    expect(messages_with(alice, "seen at once")).to_have_count(1)
    expect(unread_divider(alice)).to_have_count(1)
    expect(after).to_contain_text("while alice was away 0")
    expect(unread_divider(bob)).to_have_count(0)
    assert serious_violations(alice) == []


def test_more_unread_than_fit_starts_at_the_divider(logged_in, site, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    send(alice, "before the flood")
    expect(messages_with(alice, "before the flood")).to_have_count(1)
    alice.goto("/chat/")
    seed_messages(site, room_name, "bob", 120, "flood")

    alice.goto(f"/chat/{room_name}/")
    wait_until_live(alice)
    # The page began at the divider; the catch-up brought the rest below without moving it.
    expect(alice.locator("#messages .message")).to_have_count(121)
    divider = unread_divider(alice)
    expect(divider).to_be_in_viewport()
    expect(alice.locator("#messages > .unread-divider + .message")).to_contain_text("flood 0")
    expect(messages_with(alice, "flood 119")).not_to_be_in_viewport()
    expect(alice.locator("#newer")).to_have_count(0)
    jump = alice.get_by_role("button", name="New messages below")
    expect(jump).to_be_visible()
    jump.click()
    expect(messages_with(alice, "flood 119")).to_be_in_viewport()
    expect(divider).not_to_be_in_viewport()


def test_without_javascript_newer_unread_messages_come_a_page_at_a_time(logged_in, site, room_name):
    alice = logged_in("alice", javascript=False)
    enter_room(alice, room_name)
    seed_messages(site, room_name, "bob", 120, "flood")
    alice.goto(f"/chat/{room_name}/")
    first_after_divider = alice.locator("#messages > .unread-divider + .message")
    expect(first_after_divider).to_contain_text("flood 0")
    expect(alice.locator("#messages .message").last).to_contain_text("flood 44")

    alice.get_by_role("link", name="Newer messages").click()
    expect(first_after_divider).to_contain_text("flood 45")
    expect(alice.locator("#messages .message").last).to_contain_text("flood 89")

    alice.get_by_role("link", name="Newer messages").click()
    expect(first_after_divider).to_contain_text("flood 90")
    expect(alice.locator("#messages .message").last).to_contain_text("flood 119")
    expect(alice.get_by_role("link", name="Newer messages")).to_have_count(0)


# ---- Arriving: a room that does not exist yet ----


def test_a_link_to_a_missing_room_offers_to_create_it(logged_in, site, room_name, console):
    console.expect(NOT_FOUND)
    alice, bob = logged_in("alice"), logged_in("bob", via=site.servers[1])
    name = f"{room_name}-new"
    response = alice.goto(f"/chat/{name}/")
    assert response.status == 404
    expect(alice.get_by_role("heading", name=f"#{name}")).to_be_visible()
    assert serious_violations(alice) == []
    # Looking created nothing: the lobby does not list it.
    bob.goto("/chat/")
    expect(bob.get_by_role("link", name=f"#{name}", exact=True)).to_have_count(0)

    alice.get_by_role("button", name=f"Create #{name}").click()
    expect(room_heading(alice, name)).to_be_visible()
    wait_until_live(alice)
    send(alice, "the first words")
    # Bob's lobby (another process) lists the room with its first message.
    row = bob.locator(".room-row", has=bob.get_by_role("link", name=f"#{name}", exact=True))
    expect(row).to_have_attribute("data-last-id", re.compile(r"^[1-9][0-9]*$"))


def test_a_private_room_looks_like_a_free_name_and_stays_closed(
    logged_in, site, room_name, console
):
    console.expect(NOT_FOUND)
    carol, alice = logged_in("carol", via=site.servers[1]), logged_in("alice")
    secret, free = f"{room_name}-s", f"{room_name}-f"
    carol.get_by_label("Room name").fill(secret)
    carol.get_by_label("Private").check()
    carol.get_by_role("button", name="Join or create").click()
    expect(room_heading(carol, secret)).to_be_visible()

    texts = []
    for name in (secret, free):
        assert alice.goto(f"/chat/{name}/").status == 404
        texts.append(alice.locator("main").inner_text().replace(name, "NAME"))
    assert texts[0] == texts[1]
    alice.goto(f"/chat/{secret}/")
    alice.get_by_role("button", name=f"Create #{secret}").click()
    expect(alice.get_by_role("alert")).to_have_text(
        "That room is private: ask one of its members to add you."
    )
    assert alice.goto(f"/chat/{secret}/").status == 404


def test_a_name_no_room_may_have_is_a_plain_not_found(logged_in, console):
    console.expect(NOT_FOUND)
    alice = logged_in("alice")
    assert alice.goto("/chat/no.such.room/").status == 404
    expect(alice.get_by_role("heading", name="Not found")).to_be_visible()
    expect(alice.get_by_role("button", name=re.compile("Create"))).to_have_count(0)


# ---- Reading: days and groups ----


def test_days_are_the_readers_own_and_one_authors_messages_are_grouped(logged_in, site, room_name):
    zone = ZoneInfo(READER_ZONE)
    today = datetime.now(zone).date()
    noon = datetime(today.year, today.month, today.day, 12, tzinfo=zone)
    earlier = noon - timedelta(days=3)
    # Intl's long English date, with the year only when it is not this one.
    long_ago = earlier.strftime("%A, %B %-d") + (
        f", {earlier.year}" if earlier.year != today.year else ""
    )
    seed_at(
        site,
        room_name,
        [
            ("bob", "three days ago", earlier),
            ("bob", "yesterday one", noon - timedelta(days=1)),
            ("bob", "yesterday two", noon - timedelta(days=1, minutes=-2)),
            ("alice", "yesterday alice", noon - timedelta(days=1, minutes=-3)),
            ("alice", "yesterday much later", noon - timedelta(days=1, minutes=-30)),
        ],
    )
    alice, bob = logged_in("alice"), logged_in("bob", via=site.servers[1])
    sessions = [in_zone(alice), in_zone(bob)]
    for page in (alice, bob):
        page.goto(f"/chat/{room_name}/")
        wait_until_live(page)
    send(bob, "today one")
    send(bob, "today two")
    for page in (alice, bob):
        expect(messages_with(page, "today two")).to_have_count(1)
        expect(day_dividers(page)).to_have_text([long_ago, "Yesterday", "Today"])
        continued = page.locator("#messages .message.continued .body")
        expect(continued).to_have_text(["yesterday two", "today two"])
        # The name is shown once per group (and kept for screen readers, in a 1 px box).
        hidden_name = messages_with(page, "today two").locator(".author").bounding_box()
        assert hidden_name
        assert hidden_name["width"] <= 1, hidden_name
        expect(messages_with(page, "today one").locator(".author")).to_be_visible()

    # An edit replaces the message; it stays in its group. Another author starts a new one.
    edited = messages_with(alice, "today two").get_attribute("data-id")
    htmx_post(bob, f"/chat/{room_name}/messages/{edited}/edit/", {"body": "today two, edited"})
    send(alice, "alice today")
    # Two people typing at once have no order; Bob answers what he has seen.
    expect(messages_with(bob, "alice today")).to_have_count(1)
    send(bob, "today three")
    for page in (alice, bob):
        expect(messages_with(page, "today three")).to_have_count(1)
        expect(page.locator("#messages .message.continued .body")).to_have_text(
            ["yesterday two", "today two, edited"]
        )
    assert len(sessions) == 2


def test_without_javascript_days_are_shown_in_utc(logged_in, site, room_name):
    yesterday = datetime.now(ZoneInfo("UTC")) - timedelta(days=1)
    seed_at(site, room_name, [("bob", "from yesterday", yesterday)])
    alice = logged_in("alice", javascript=False)
    alice.goto(f"/chat/{room_name}/")
    expect(day_dividers(alice)).to_have_text(["Yesterday"])


# ---- Reading: the lobby's times ----


def test_the_lobbys_times_are_in_the_readers_zone_live_too(logged_in, site, room_name):
    alice, bob = logged_in("alice"), logged_in("bob", via=site.servers[1])
    enter_room(bob, room_name)
    post_over_http(bob, room_name, "for the lobby")
    session = in_zone(alice)
    alice.goto("/chat/")
    wait_until_live(alice)
    row = alice.locator(".room-row", has_text=f"#{room_name}")
    local_time = re.compile(r"^\d{1,2}:\d\d(\s?[AP]M)?$")
    expect(row.locator("time")).to_have_text(local_time)
    stamp = datetime.fromisoformat(row.locator("time").get_attribute("datetime"))
    expected = stamp.astimezone(ZoneInfo(READER_ZONE)).strftime("%I:%M")
    assert row.locator("time").inner_text().startswith(expected)

    shown = row.get_attribute("data-last-id")
    post_over_http(bob, room_name, "a live row")
    expect(row).not_to_have_attribute("data-last-id", shown)
    expect(row.locator("time")).to_have_text(local_time)
    assert "UTC" not in row.inner_text()
    assert session
