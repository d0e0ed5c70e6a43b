"""Changing whether a person gets email about what they missed (the settings switch, the
unsubscribe link): each in a transaction, on the same locked row the digest task decides on."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chatsite.typing import User
from digests.models import EmailPreference
from rooms.models import Message


def set_enabled(user: User, enabled: bool) -> EmailPreference:
    """Turn the email on or off. Turned on again, it starts afresh: what was missed while it
    was off is never emailed about."""
    with transaction.atomic():
        newest = Message.objects.aggregate(newest=Max("pk"))["newest"] or 0
        preference = EmailPreference.objects.locked_for(user, baseline=newest)
        if enabled == preference.enabled:
            return preference
        preference.enabled = enabled
        if enabled:
            preference.unsubscribed_at = None
            preference.sent_up_to = max(preference.sent_up_to, newest)
        else:
            preference.unsubscribed_at = timezone.now()
        preference.save()
    return preference


def unsubscribe(user: User) -> EmailPreference:
    return set_enabled(user, False)


def is_enabled(user: User) -> bool:
    """Whether `user` gets the email: on unless they turned it off."""
    return not EmailPreference.objects.filter(user_id=user.pk, enabled=False).exists()
