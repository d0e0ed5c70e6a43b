"""Devices subscribing and unsubscribing: writes in a transaction, nothing else to tell."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from chatsite.typing import User
from push.models import PushSubscription


class TooManyDevices(Exception):
    """The person has WEBPUSH_MAX_DEVICES devices already."""


def subscribe(
    user: User, *, endpoint: str, p256dh: str, auth: str, user_agent: str
) -> tuple[PushSubscription, bool]:
    """Store the device's subscription for `user`; (it, whether it is new). An endpoint seen
    before is that same browser subscribing again (as this person now): its row is updated."""
    fields = {"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent}
    try:
        with transaction.atomic():
            known = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
            if known is not None:
                PushSubscription.objects.filter(pk=known.pk).update(**fields)
                known.refresh_from_db()
                return known, False
            if PushSubscription.objects.filter(user=user).count() >= settings.WEBPUSH_MAX_DEVICES:
                raise TooManyDevices
            return PushSubscription.objects.create(endpoint=endpoint, **fields), True
    except IntegrityError:  # the same endpoint, stored meanwhile by a request in parallel
        PushSubscription.objects.filter(endpoint=endpoint).update(**fields)
        return PushSubscription.objects.get(endpoint=endpoint), False


def unsubscribe(user: User, **where: object) -> bool:
    """Delete `user`'s device matching `where`; whether there was one."""
    deleted, _ = PushSubscription.objects.filter(user=user, **where).delete()
    return bool(deleted)
