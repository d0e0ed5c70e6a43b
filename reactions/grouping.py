"""A message's reactions as the fragment shows them: one group per emoji, in the order each
emoji was first used, with who reacted. Nothing here depends on who is looking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext, ngettext

from accounts.people import display_name

if TYPE_CHECKING:
    from chatsite.typing import User
    from reactions.models import Reaction

# A label names this many people, then says how many more.
NAMES_SHOWN = 10


@dataclass
class ReactionGroup:
    emoji: str
    people: list[User] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def reactor_ids(self) -> str:
        """For data-reactors: each viewer's page marks the groups holding its own id."""
        return " ".join(str(person.pk) for person in self.people)

    @property
    def label(self) -> str:
        """The accessible name and tooltip: "👍 3: alice, bob, carol"."""
        names = [display_name(person) for person in self.people[:NAMES_SHOWN]]
        listed = gettext(", ").join(names)
        others = self.count - len(names)
        if others:
            listed = ngettext(
                "%(names)s and %(count)d other", "%(names)s and %(count)d others", others
            ) % {"names": listed, "count": others}
        return ngettext(
            "%(emoji)s %(count)d: %(names)s", "%(emoji)s %(count)d: %(names)s", self.count
        ) % {"emoji": self.emoji, "count": self.count, "names": listed}


def group_reactions(reactions: Iterable[Reaction]) -> list[ReactionGroup]:
    """`reactions` (in reaction order) grouped by emoji, groups in first-use order."""
    groups: dict[str, ReactionGroup] = {}
    for reaction in reactions:
        groups.setdefault(reaction.emoji, ReactionGroup(reaction.emoji)).people.append(
            reaction.user
        )
    return list(groups.values())
