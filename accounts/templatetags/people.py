"""Template tags for showing people: `{% load people %}`.

- `{{ user|display_name }}`: the display name, else the username;
  `{{ user|display_name:"@" }}`: the display name, else "@username".
- `{% avatar user %}`: the uploaded picture, else initials on the person's colour.
- `{% for person in usernames|people %}`: users by username, profiles loaded in one query.

Nothing here depends on who is looking, so fragments rendered once stay the same for all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from accounts import people as people_
from chatsite.typing import AnyUser, User

register = template.Library()


@register.filter
def display_name(user: AnyUser, prefix: str = "") -> str:
    profile = people_.profile_of(user)
    return profile.display_name or f"{prefix}{user.get_username()}"


@register.filter
def people(usernames: Iterable[str]) -> list[User]:
    return people_.with_profiles(usernames)


@register.inclusion_tag("accounts/avatar.html")
def avatar(user: AnyUser, size: str = "small") -> dict[str, Any]:
    return {"avatar": people_.avatar_of(user), "size": size}
