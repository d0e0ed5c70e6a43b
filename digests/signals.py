"""Receivers: a posted message that mentions someone, or in a direct conversation, may be
emailed about later. Connected in DigestsConfig.ready()."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError
from django.dispatch import receiver

from digests import scheduling
from rooms import signals
from rooms.models import Message

logger = logging.getLogger(__name__)


@receiver(signals.message_posted, sender=Message)
def email_later(message: Message, **kwargs: Any) -> None:
    # The message is committed and sent already: a digest that cannot be scheduled is
    # logged, and the post still answers as posted.
    try:
        scheduling.schedule_for(message)
    except DatabaseError:
        logger.exception("Could not schedule email about message %s", message.pk)
