"""Logging out ends the user's live pages too: every socket they have open, in every process.

Each socket is in its user's group (rooms/protocol.py); on logout one event goes to that
group through the channel layer, and each process hands it to that user's consumers, which
close their sockets with 4401, which the page does not retry.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from rooms import broadcast


@receiver(user_logged_out)
def close_sockets(sender: type, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        # A channel-layer failure is logged (rooms.broadcast.send); the logout itself stands.
        broadcast.user_logged_out(user.pk)
