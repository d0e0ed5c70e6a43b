"""Receiver: every posted message gets one push task, once it has committed (rooms/signals.py
sends on commit). Connected in PushConfig.ready()."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError
from django.dispatch import receiver

from push import keys
from push.tasks import push_message
from rooms import signals
from rooms.models import Message

logger = logging.getLogger(__name__)


@receiver(signals.message_posted, sender=Message)
def push_posted(message: Message, **kwargs: Any) -> None:
    if message.is_event or not keys.enabled():
        return
    # The post is committed and sent already: a queue that cannot take the task is logged,
    # and the post still answers as posted.
    try:
        push_message.enqueue(message.pk)
    except DatabaseError:
        logger.exception("Could not queue the push of message %s", message.pk)
