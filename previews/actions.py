"""Link cards' changes: made when a message is posted or its link edited, removed by its
author. Each writes in a transaction; the fetch is background work (previews/tasks.py),
enqueued once the card is committed, so posting never waits for another site."""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import transaction

from previews.links import first_link
from previews.models import LinkCard
from previews.tasks import fetch_card
from rooms.actions import revise
from rooms.models import Message

logger = logging.getLogger(__name__)

# The message's side of the card relation: what `message.link_card` caches on an instance.
CARD_OF_MESSAGE = LinkCard._meta.get_field("message").remote_field


def card_for_posted(message: Message) -> LinkCard | None:
    """A pending card for the message's first link, if it has one worth a card."""
    url = first_link(message.body_html)
    if url is None:
        return None
    with transaction.atomic():
        return _new_card(message, url)


def card_for_edited(message: Message) -> LinkCard | None:
    """After an edit: the card stays while the first link does (removed stays removed);
    a new first link gets a new card, and no link none."""
    url = first_link(message.body_html)
    with transaction.atomic():
        old = LinkCard.objects.select_for_update().filter(message=message).first()
        if old is not None and old.url == url:
            return old
        card = None
        if old is not None:
            old.delete()  # its picture goes once this commits (previews/signals.py)
        if url is not None:
            card = _new_card(message, url)
        elif CARD_OF_MESSAGE.is_cached(message):
            CARD_OF_MESSAGE.delete_cached_value(message)
        if old is not None and old.is_shown:
            # The edit's own revision went out with the old card: pages drop it now.
            revise(message)
        return card


def remove_card(message: Message, card: LinkCard) -> None:
    """The author removes the card: pages drop it and it never comes back for this link."""
    with transaction.atomic():
        card = LinkCard.objects.select_for_update().get(pk=card.pk)
        if card.state == LinkCard.State.REMOVED:
            return
        picture = card.image.name
        card.state = LinkCard.State.REMOVED
        card.image = None
        card.image_width = card.image_height = None
        card.save(update_fields=["state", "image", "image_width", "image_height"])
        CARD_OF_MESSAGE.set_cached_value(message, card)
        revise(message)
        if picture:
            transaction.on_commit(lambda: delete_picture(picture))


def delete_picture(name: str) -> None:
    """Delete a card's stored picture; a storage failure is logged, never raised."""
    try:
        default_storage.delete(name)
    except OSError as error:
        logger.warning("Could not delete link card picture %s: %s", name, error)


def _new_card(message: Message, url: str) -> LinkCard:
    card = LinkCard.objects.create(message=message, url=url)
    # robust: a queue that cannot take it (database trouble) is logged; the post stands.
    transaction.on_commit(lambda: fetch_card.enqueue(card.pk), robust=True)
    return card
