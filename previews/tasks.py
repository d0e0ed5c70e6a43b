"""Background work of link cards, run by the task worker (`manage.py db_worker`), never by
the web process: fetch the page and its picture through the guarded client (outbound/),
then store the card and send it to every open page as the message's next revision."""

from __future__ import annotations

import logging
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django_tasks import task

import outbound
from previews import images
from previews.models import LinkCard
from previews.pages import PageSummary, summarize
from rooms.actions import revise
from rooms.models import Message

logger = logging.getLogger(__name__)

# The most of a page read: its <head> is what matters, and rarely more than a few KiB.
PAGE_MAX_BYTES = 1024 * 1024


@task()
def fetch_card(card_id: int) -> str:
    """Fetch the card's page and fill the card in; returns the card's state afterwards
    ("gone" when the card was removed or replaced, or its message deleted, meanwhile)."""
    card = LinkCard.objects.filter(pk=card_id, state=LinkCard.State.PENDING).first()
    if card is None:
        return "gone"
    try:
        page = outbound.get(card.url, accept=("text/html",), max_bytes=PAGE_MAX_BYTES)
    except outbound.OutboundError as error:
        logger.info("No link card for %s: %s", card.url, error)
        return _failed(card)
    summary = summarize(page.body, page.charset, page.url)
    if summary.is_empty:
        logger.info("No link card for %s: the page has no title or description", card.url)
        return _failed(card)
    picture = _picture(summary.image_url) if summary.image_url else None
    return _ready(card, summary, picture)


def _picture(url: str) -> images.Thumbnail | None:
    try:
        response = outbound.get(url, accept=("image/",), max_bytes=images.MAX_BYTES)
    except outbound.OutboundError as error:
        logger.info("No picture for a link card from %s: %s", url, error)
        return None
    thumbnail = images.thumbnail(response.body)
    if thumbnail is None:
        logger.info("No picture for a link card from %s: not an image this site takes", url)
    return thumbnail


def _failed(card: LinkCard) -> str:
    # Only a card still waiting for this fetch: a removed or replaced one stays as it is.
    LinkCard.objects.filter(pk=card.pk, state=LinkCard.State.PENDING).update(
        state=LinkCard.State.FAILED
    )
    return LinkCard.State.FAILED


def _ready(card: LinkCard, summary: PageSummary, picture: images.Thumbnail | None) -> str:
    # Stored before the transaction, which then takes no longer than a few writes.
    name = ""
    if picture is not None:
        path = f"previews/{secrets.token_hex(16)}.{picture.extension}"
        name = default_storage.save(path, ContentFile(picture.data))
    try:
        with transaction.atomic():
            current = (
                LinkCard.objects.select_for_update()
                .filter(pk=card.pk, url=card.url, state=LinkCard.State.PENDING)
                .filter(message__deleted_at__isnull=True)
                .first()
            )
            if current is None:
                if name:
                    default_storage.delete(name)
                return "gone"
            current.title, current.description = summary.title, summary.description
            current.site_name = summary.site_name
            if picture is not None:
                current.image.name = name
                current.image_width, current.image_height = picture.width, picture.height
            current.state = LinkCard.State.READY
            current.save()
            # Loaded after the save, so the fragment shows the card as it now stands.
            message = Message.objects.for_display().select_related("room").get(pk=card.message_id)
            revise(message)
    except BaseException:
        if name:
            default_storage.delete(name)
        raise
    return LinkCard.State.READY
