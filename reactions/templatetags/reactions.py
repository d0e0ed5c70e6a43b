"""`{% load reactions %}`: `{% for group in message|reaction_groups %}` in the message fragment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from reactions.grouping import ReactionGroup, group_reactions

if TYPE_CHECKING:
    from rooms.models import Message

register = template.Library()


@register.filter
def reaction_groups(message: Message) -> list[ReactionGroup]:
    # .all(): the reactions prefetched by Message.objects.for_display(), in id order.
    return group_reactions(message.reactions.all())
