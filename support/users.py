"""Accounts on a site under test, made through its own manage.py."""

from __future__ import annotations

from collections.abc import Iterable

from support.asgi import manage

# Every test account's password (a real one: the site's validators would take it).
PASSWORD = "correct horse battery staple"


def create_users(env: dict[str, str], names: Iterable[str], password: str = PASSWORD) -> None:
    """Create the users `names` in the database `env` names, all with `password`."""
    create = "; ".join(f"U.objects.create_user({name!r}, password={password!r})" for name in names)
    if create:
        manage(env, "shell", "-c", f"from django.contrib.auth.models import User as U; {create}")
