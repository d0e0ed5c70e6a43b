"""Background work of web push, run by the task worker (`manage.py db_worker`), never by the
web process: one task per posted message finds who is to be told (notifications/levels.py),
leaves out whoever is looking at the room, and pushes to each of their devices. A device
whose push service is busy or down is tried again later (at most WEBPUSH_MAX_TRIES times,
waiting longer each time or as long as its Retry-After says); one that is gone is deleted."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from py_vapid import Vapid02

from notifications.levels import notified_people
from push import keys
from push.delivery import Outcome, deliver
from push.models import PushSubscription
from push.payload import payload
from rooms import visibility
from rooms.models import Message

logger = logging.getLogger(__name__)


@task()
def push_message(message_id: int) -> int:
    """Push the message to the devices of everyone it is for; returns how many took it."""
    vapid = keys.signer()
    message = _message(message_id)
    if vapid is None or message is None:
        return 0
    people = [person.pk for person in notified_people(message)]
    looking = visibility.people_looking(message.room_id, people)
    devices = PushSubscription.objects.filter(user_id__in=set(people) - looking)
    data = payload(message)
    return sum(_send(device, message, data, vapid, attempt=1) for device in devices)


@task()
def retry_push(subscription_id: int, message_id: int, attempt: int) -> int:
    """Try one device again; 1 when it took the push."""
    vapid = keys.signer()
    message = _message(message_id)
    device = PushSubscription.objects.filter(pk=subscription_id).first()
    if vapid is None or message is None or device is None:
        return 0
    return _send(device, message, payload(message), vapid, attempt=attempt)


def _message(message_id: int) -> Message | None:
    message = (
        Message.objects.select_related("room", "author__profile").filter(pk=message_id).first()
    )
    return None if message is None or message.is_deleted or message.is_event else message


def _send(
    device: PushSubscription, message: Message, data: bytes, vapid: Vapid02, *, attempt: int
) -> int:
    result = deliver(device, data, vapid, urgent=message.room.is_direct)
    if result.outcome is Outcome.DELIVERED:
        PushSubscription.objects.filter(pk=device.pk).update(last_success_at=timezone.now())
        return 1
    if result.outcome is Outcome.GONE:
        logger.info("Push subscription %s deleted: %s", device.pk, result.detail)
        PushSubscription.objects.filter(pk=device.pk).delete()
    elif result.outcome is Outcome.RETRY and attempt < settings.WEBPUSH_MAX_TRIES:
        # Backing off: 1, 4, ... times the delay, unless the push service said how long.
        wait = result.retry_after
        if wait is None:
            wait = settings.WEBPUSH_RETRY_DELAY * 4 ** (attempt - 1)
        logger.info("Push to subscription %s failed (%s), tried again in %g s",
                    device.pk, result.detail, wait)  # fmt: skip
        run_after = timezone.now() + timedelta(seconds=wait)
        retry_push.using(run_after=run_after).enqueue(device.pk, message.pk, attempt + 1)
    else:
        logger.warning("Push to subscription %s failed for good: %s", device.pk, result.detail)
    return 0
