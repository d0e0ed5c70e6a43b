"""The topic form on every open page follows the topic as others change it, except while its
reader is editing it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def set_topic(page: Page, topic: str) -> None:
    page.get_by_text("Change topic").click()
    page.get_by_label("Topic", exact=True).fill(topic)
    page.get_by_role("button", name="Set topic").click()
    expect(page.locator("#topic")).to_have_text(re.compile(f"{re.escape(topic)}$"))


def test_the_topic_field_follows_a_change_elsewhere_unless_being_edited(
    in_room, room_name, console
):
    alice, bob, carol = in_room(room_name, "alice", "bob", "carol")
    bob.get_by_text("Change topic").click()
    bob_field, carol_field = (page.get_by_label("Topic", exact=True) for page in (bob, carol))
    set_topic(alice, "Ship on Friday")
    # An open form, and a closed one: both start from the topic as it is now.
    expect(bob_field).to_have_value("Ship on Friday")
    expect(carol_field).to_have_value("Ship on Friday")
    # Bob is writing his own: a new topic from Alice shows in his header, not in his field.
    bob_field.fill("Ship on Monday")
    bob.get_by_label("Message", exact=True).focus()  # he looks away, his words unsent
    set_topic(alice, 'Ship <tomorrow> & "after"')
    for page in (bob, carol):
        expect(page.locator("#topic")).to_have_text(re.compile('Ship <tomorrow> & "after"$'))
    expect(carol_field).to_have_value('Ship <tomorrow> & "after"')
    expect(bob_field).to_have_value("Ship on Monday")
    # Focused and not changed yet is editing too.
    carol.get_by_text("Change topic").click()
    carol_field.focus()
    set_topic(alice, "")
    expect(carol.locator("#topic")).to_have_text("")
    expect(carol_field).to_have_value('Ship <tomorrow> & "after"')
    # Bob sets his: every page has it, fields included, his own form ready for the next.
    bob.get_by_role("button", name="Set topic").click()
    for page in (alice, bob, carol):
        expect(page.locator("#topic")).to_have_text(re.compile("Ship on Monday$"))
    expect(alice.get_by_label("Topic", exact=True)).to_have_value("Ship on Monday")
