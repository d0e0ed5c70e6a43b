"""Receivers: a card for each posted or edited message's link, none for a deleted message,
and a deleted card's picture deleted with it. Connected in PreviewsConfig.ready()."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from previews import actions
from previews.models import LinkCard
from rooms import signals
from rooms.models import Message

logger = logging.getLogger(__name__)


@receiver(signals.message_posted, sender=Message)
def card_for_posted(message: Message, **kwargs: Any) -> None:
    # The message is committed and sent already: a card that cannot be stored is logged,
    # and the post still answers as posted.
    try:
        actions.card_for_posted(message)
    except DatabaseError:
        logger.exception("Could not store a link card for message %s", message.pk)


@receiver(signals.message_edited, sender=Message)
def card_for_edited(message: Message, **kwargs: Any) -> None:
    try:
        actions.card_for_edited(message)
    except DatabaseError:
        logger.exception("Could not update the link card of message %s", message.pk)


@receiver(signals.message_deleted, sender=Message)
def card_of_deleted(message: Message, **kwargs: Any) -> None:
    # A tombstone shows no card: the card and its picture go too.
    LinkCard.objects.filter(message=message).delete()


@receiver(post_delete, sender=LinkCard)
def delete_card_picture(instance: LinkCard, **kwargs: Any) -> None:
    # Also when a message or room goes (cascade): no picture stays behind its card.
    if instance.image.name:
        name = instance.image.name
        transaction.on_commit(lambda: actions.delete_picture(name))
