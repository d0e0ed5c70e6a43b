"""Signal receivers of outgoing webhooks: a posted message that concerns a bot with a webhook
queues its delivery. Connected in BotsConfig.ready(); nothing here waits for the network."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import DatabaseError
from django.dispatch import receiver

from bots.tasks import deliver
from bots.webhooks import bots_to_notify
from rooms import signals
from rooms.models import Message

logger = logging.getLogger(__name__)


@receiver(signals.message_posted, sender=Message)
def queue_webhooks(message: Message, **kwargs: Any) -> None:
    # The message is committed and sent already: a delivery that cannot be queued is
    # logged, and the post still answers as posted.
    try:
        for bot in bots_to_notify(message):
            deliver.enqueue(bot.pk, message.pk, uuid.uuid4().hex)
    except DatabaseError:
        logger.exception("Could not queue the webhooks of message %s", message.pk)
