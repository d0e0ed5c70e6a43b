"""Django's model backend, with each person's profile read in the same query as they are."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileBackend(ModelBackend):
    """A post renders its author, the request's user, with their name and avatar: the join
    spares every post a query of its own for the profile (bench/README.md, run O)."""

    def get_user(self, user_id: Any) -> Any:
        User = get_user_model()
        try:
            user = User._default_manager.select_related("profile").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
