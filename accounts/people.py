"""People as pages show them: a display name or the username, an avatar or initials; and the
directory's search. Reads only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet

from accounts import avatars
from accounts.models import Profile
from chatsite.typing import AnyUser, User


def profile_of(user: AnyUser) -> Profile:
    """The user's profile; an unsaved, empty one for someone who never made theirs."""
    try:
        return user.profile  # type: ignore[union-attr]
    except (ObjectDoesNotExist, AttributeError):
        return Profile(user=user)  # type: ignore[misc]


def display_name(user: AnyUser) -> str:
    return profile_of(user).name


@dataclass(frozen=True)
class Avatar:
    """What the avatar partial draws: the uploaded picture, or initials on a hue."""

    url: str
    initials: str
    hue: int


def avatar_of(user: AnyUser) -> Avatar:
    profile = profile_of(user)
    url = profile.avatar.url if profile.avatar else ""
    return Avatar(url, avatars.initials(profile.name), avatars.hue(user.get_username()))


def with_profiles(usernames: Iterable[str]) -> list[User]:
    """The users called `usernames`, in that order, their profiles loaded in one query; a
    name nobody has (any more) stands for itself."""
    names = list(usernames)
    found = {
        user.get_username(): user
        for user in get_user_model().objects.filter(username__in=names).select_related("profile")
    }
    return [found.get(name) or get_user_model()(username=name) for name in names]


def directory(query: str, *, include_inactive: bool) -> QuerySet[User]:
    """People whose username or display name contains `query`, by name."""
    people = get_user_model().objects.select_related("profile")
    if not include_inactive:
        people = people.filter(is_active=True)
    if query:
        people = people.filter(
            Q(username__icontains=query) | Q(profile__display_name__icontains=query)
        )
    return people.order_by("username")
