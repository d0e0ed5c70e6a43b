"""Reactions' data: which text is one emoji, the form's errors, grouping and labels."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError

from accounts.models import Profile
from reactions.emojis import QUICK, as_emoji, shortcode
from reactions.forms import INPUT_MAX_LENGTH, ReactionForm
from reactions.grouping import NAMES_SHOWN, group_reactions
from reactions.models import Reaction
from rooms.actions import post_message


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("👍", "👍"),
        (":thumbsup:", "👍"),
        (":+1:", "👍"),
        (":thumbs_up:", "👍"),
        ("👍🏽", "👍🏽"),
        ("👨‍👩‍👧", "👨‍👩‍👧"),
        ("🇫🇷", "🇫🇷"),
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"),
        # With or without the variation selector, one reaction.
        ("❤", "❤️"),
        ("❤️", "❤️"),
        (":heart:", "❤️"),
        ("*⃣", "*️⃣"),
    ],
)
def test_one_emoji_typed_pasted_or_named_is_taken_fully_qualified(text, emoji):
    assert as_emoji(text) == emoji


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "ok",
        "👍👍",
        "👍 ",
        "👍a",
        "\u200d",
        "👍\u200d",
        "\u200d👍",
        "\u200f👍",
        "👍\u202e",
        "\ufe0f",
        "🏻",  # a skin tone alone is part of an emoji, not one
        "🇫",  # half a flag
        ":nope:",
        ":thumbsup",
        "::",
        "<script>alert(1)</script>",
        "1",
        "#",
    ],
)
def test_anything_but_one_emoji_is_refused(text):
    assert as_emoji(text) is None


def test_the_quick_palette_is_emoji_with_shortcodes():
    assert [as_emoji(emoji) for emoji in QUICK] == list(QUICK)
    assert shortcode("👍") == ":thumbsup:"
    assert shortcode("🎉") == ":tada:"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Choose an emoji first."),
        ("   ", "Choose an emoji first."),
        ("👍👍", "“👍👍” is not one emoji."),
        ("hello", "“hello” is not one emoji."),
        ("\u200f👍", "is not one emoji."),
        (":nope:", "No emoji is called :nope:."),
        ("x" * 10_000, f"at most {INPUT_MAX_LENGTH} characters (this has 10000)"),
    ],
)
def test_the_form_says_what_is_wrong(text, error):
    form = ReactionForm({"emoji": text})
    assert not form.is_valid()
    assert error in form.errors["emoji"][0]


def test_the_form_trims_and_accepts_shortcodes():
    form = ReactionForm({"emoji": "  :tada:  "})
    assert form.is_valid()
    assert form.cleaned_data["emoji"] == "🎉"


def test_a_person_reacts_with_one_emoji_once(room, alice):
    message = post_message(room, alice, "hello")
    Reaction.objects.create(message=message, user=alice, emoji="👍")
    with pytest.raises(IntegrityError):
        Reaction.objects.create(message=message, user=alice, emoji="👍")


def test_groups_come_in_first_use_order_with_who_reacted(room, alice, bob):
    message = post_message(room, alice, "hello")
    Profile.objects.create(user=bob, display_name="Bob B.")
    for user, emoji in [(bob, "🎉"), (alice, "👍"), (alice, "🎉"), (bob, "👍")]:
        Reaction.objects.create(message=message, user=user, emoji=emoji)
    groups = group_reactions(message.reactions.all())
    assert [(group.emoji, group.count) for group in groups] == [("🎉", 2), ("👍", 2)]
    assert groups[0].reactor_ids == f"{bob.pk} {alice.pk}"
    assert groups[0].label == "🎉 2: Bob B., alice"
    assert groups[1].label == "👍 2: alice, Bob B."


def test_a_long_list_of_people_is_cut_short(room, alice):
    message = post_message(room, alice, "popular")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"fan{n:02}") for n in range(NAMES_SHOWN + 3)
    )
    Reaction.objects.bulk_create(Reaction(message=message, user=user, emoji="👍") for user in users)
    [group] = group_reactions(message.reactions.all())
    names = ", ".join(f"fan{n:02}" for n in range(NAMES_SHOWN))
    assert group.label == f"👍 {NAMES_SHOWN + 3}: {names} and 3 others"
