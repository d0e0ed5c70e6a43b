"""Background work of outgoing webhooks, run by the task worker (`manage.py db_worker`),
never by the request that posted: POST the signed payload through the guarded client
(outbound/), retry what failed for the receiver's trouble, and post its answer as the bot."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

import outbound
from bots.models import Bot
from bots.signing import signed_headers
from bots.webhooks import REPLY_MARK, UnusableAnswer, payload, reply_text
from outbound.body import too_large
from rooms.actions import post_message
from rooms.fields import answered_message
from rooms.models import Message

logger = logging.getLogger(__name__)

HEADERS = {"User-Agent": "chatsite-webhook/1.0", "Accept": "text/plain, application/json"}


@task()
def deliver(bot_id: int, message_id: int, delivery: str, attempt: int = 0) -> str:
    """Send `message` to the bot's webhook (attempt 0, then each retry); what came of it:
    "replied", "delivered" (no reply), "retrying", "given up", "refused", "unusable" or
    "gone" (the bot, its webhook or the message went meanwhile)."""
    bot = Bot.objects.filter(pk=bot_id, user__is_active=True).select_related("user").first()
    message = (
        Message.objects.filter(pk=message_id, deleted_at__isnull=True)
        .select_related("room", "author__profile")
        .first()
    )
    if bot is None or not bot.webhook_url or message is None:
        return "gone"
    body = json.dumps(payload(message, bot)).encode()
    where = f"webhook of bot {bot.user.get_username()} (delivery {delivery})"
    max_bytes = settings.WEBHOOK_REPLY_MAX_BYTES
    try:
        response = outbound.post(
            bot.webhook_url,
            body,
            content_type="application/json",
            headers={**signed_headers(bot.webhook_secret, body, delivery), **HEADERS},
            max_bytes=max_bytes,
            timeout=settings.WEBHOOK_TIMEOUT,
        )
    except outbound.Refused as error:  # nothing was sent; a retry would be refused too
        logger.warning("Not sending the %s: %s", where, error)
        return "refused"
    except outbound.OutboundError as error:
        if str(error) == str(too_large(max_bytes)):
            logger.warning("Nothing posted for the %s: an answer over %d bytes", where, max_bytes)
            return "unusable"
        return _retry(bot, message, delivery, attempt, f"{where}: {error}")
    if response.status >= 500:
        return _retry(bot, message, delivery, attempt, f"{where}: it answered {response.status}")
    if not 200 <= response.status < 300:
        logger.warning("Gave up the %s: it answered %d", where, response.status)
        return "given up"
    try:
        text = reply_text(response)
    except UnusableAnswer as error:
        logger.warning("Nothing posted for the %s: %s", where, error)
        return "unusable"
    if not text:
        return "delivered"
    return _post_reply(bot, message, text, delivery)


def _retry(bot: Bot, message: Message, delivery: str, attempt: int, failure: str) -> str:
    delays = settings.WEBHOOK_RETRY_DELAYS
    if attempt >= len(delays):
        logger.warning("Gave up the %s after %d attempts", failure, attempt + 1)
        return "given up"
    run_after = timezone.now() + timedelta(seconds=delays[attempt])
    deliver.using(run_after=run_after).enqueue(bot.pk, message.pk, delivery, attempt + 1)
    logger.info("Retrying in %d s the %s", delays[attempt], failure)
    return "retrying"


def _post_reply(bot: Bot, message: Message, text: str, delivery: str) -> str:
    room = message.room
    if not room.is_visible_to(bot.user):
        logger.warning("Nothing posted for bot %s: it cannot see %s", bot.user, room)
        return "unusable"
    try:
        original = answered_message(room, message.pk)
    except ValidationError:  # deleted meanwhile: the reply still stands, quoting nothing
        original = None
    # The delivery's id is the reply's client key: a delivery that posted once (its task run
    # again after a crash, say) posts nothing more.
    with transaction.atomic():
        reply = post_message(room, bot.user, text, uuid.UUID(delivery), reply_to=original)
        # Read by bots_to_notify when the post's signal goes out, on commit: the same object.
        setattr(reply, REPLY_MARK, True)
    return "replied"
