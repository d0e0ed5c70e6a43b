"""Logging out ends the user's live pages too: every socket they have open, in every process.

Each socket is in its user's group (rooms/fanout.py); on logout one event goes to that
group through the channel layer, and each process hands it to that user's consumers, which
close their sockets with 4401, which the page does not retry.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from rooms import broadcast

# The consumer method that closes a socket (`type` "user.logout" -> user_logout).
USER_LOGOUT = "user.logout"


def user_group_name(user_pk: Any) -> str:
    """The channel-layer group every socket opened by this user belongs to."""
    return f"user-{user_pk}"


@receiver(user_logged_out)
def close_sockets(sender: type, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    # broadcast.send logs a channel-layer failure; the logout itself stands.
    async_to_sync(broadcast.send)(user_group_name(user.pk), {"type": USER_LOGOUT})
