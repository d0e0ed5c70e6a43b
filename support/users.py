"""Accounts on a site under test, made through its own manage.py."""

from __future__ import annotations

from collections.abc import Iterable

from support.asgi import manage

# Every test account's password (a real one: the site's validators would take it).
PASSWORD = "correct horse battery staple"


# The password is hashed once for all of them: the site's real hasher takes a good part of
# a second each time, on purpose.
CREATE_USERS = """
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
hashed = make_password({password!r})
User.objects.bulk_create(User(username=name, password=hashed) for name in {names!r})
"""


def create_users(env: dict[str, str], names: Iterable[str], password: str = PASSWORD) -> None:
    """Create the users `names` in the database `env` names, all with `password`."""
    if names := list(names):
        manage(env, "shell", "-c", CREATE_USERS.format(password=password, names=names))
