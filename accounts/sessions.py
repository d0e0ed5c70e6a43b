"""A person's sessions, ended: when they are deactivated, or change their password elsewhere.

Sessions live in the database (Django's default store); a person's are found among the
unexpired ones by the user id each holds. That reads every open session, which is fine for
what calls it: a staff action or a password change, never a page view.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from chatsite.typing import User


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """Delete every session of `user` but `keep` (a session key); return how many."""
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.session_key != keep and session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)
