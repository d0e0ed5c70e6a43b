"""Django's model backend, with each person's profile read in the same query as they are."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from chatsite.prepared import Prepared


class ProfileBackend(ModelBackend):
    """A post renders its author, the request's user, with their name and avatar: the join
    spares every post a query of its own for the profile (bench/README.md, run O)."""

    def get_user(self, user_id: Any) -> Any:
        user = WITH_PROFILE.first(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


# Compiled once (chatsite/prepared.py): every request and socket reads its user.
WITH_PROFILE = Prepared(
    lambda pk: get_user_model()._default_manager.select_related("profile").filter(pk=pk)
)
