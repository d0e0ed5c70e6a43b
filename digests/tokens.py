"""The unsubscribe link's token: the person's id, signed with the site's key (salted, so
no other signed value of the site passes for one). It never expires: an old email's link
still works, and all it can do is stop these emails."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing

from chatsite.typing import User

SALT = "digests.unsubscribe"
# Tokens this site makes are some 40 characters; anything far longer is not one.
MAX_LENGTH = 200


def token_for(user: User) -> str:
    return signing.dumps(user.pk, salt=SALT)


def user_for(token: str) -> User | None:
    """The person `token` was made for, or None for a tampered, malformed or stale token."""
    if len(token) > MAX_LENGTH:
        return None
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return get_user_model().objects.filter(pk=pk).first()
