"""Every change to accounts that others must hear of or that must hold together: each in a
transaction, with what it tells the live layer (rooms/broadcast.py) sent on commit."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import FirstRun, Invitation, Profile
from accounts.sessions import end_sessions
from chatsite.typing import User
from rooms import broadcast, protocol


class FirstRunClosed(Exception):
    """Someone has an account already: the first run is over."""


class InvitationUnusable(Exception):
    def __init__(self, problem: Invitation.Problem) -> None:
        super().__init__(problem.label)
        self.problem = problem


def create_first_admin(user: User) -> User:
    """Save `user` (unsaved, its password set) as the site's first account, an administrator
    (staff and superuser); FirstRunClosed if anyone has an account by now."""
    try:
        with transaction.atomic():
            if get_user_model().objects.exists():
                raise FirstRunClosed
            # Left by a site whose every account was deleted since: this run starts anew.
            FirstRun.objects.all().delete()
            FirstRun.objects.create()
            user.is_staff = user.is_superuser = True
            user.save()
            return user
    except IntegrityError:
        raise FirstRunClosed from None


def sign_up(user: User, invitation: Invitation | None) -> User:
    """Save `user` (unsaved, its password set) as a new account; with `invitation`, which
    must still be usable, and which is used up if it is a single-use one."""
    with transaction.atomic():
        if invitation is not None:
            # Locked: two people cannot both use one single-use link.
            invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            problem = invitation.problem()
            if problem is not None:
                raise InvitationUnusable(problem)
        user.save()
        if invitation is not None and invitation.kind == Invitation.Kind.SINGLE:
            invitation.used_at, invitation.used_by = timezone.now(), user
            invitation.save(update_fields=["used_at", "used_by"])
    return user


def regenerate_team_link(by: User) -> Invitation:
    """A new team link; the one in force, if any, stops working at once."""
    with transaction.atomic():
        Invitation.objects.filter(kind=Invitation.Kind.TEAM, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.new(Invitation.Kind.TEAM, by)
        invitation.save()
    return invitation


def create_single_use(by: User, expires_at: datetime | None) -> Invitation:
    invitation = Invitation.new(Invitation.Kind.SINGLE, by, expires_at)
    invitation.save()
    return invitation


def revoke(invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def update_profile(
    user: User,
    email: str,
    display_name: str,
    bio: str,
    avatar: ContentFile | None,
    remove_avatar: bool,
) -> Profile:
    """Save what the person wrote; `avatar` (a PNG, accounts/avatars.py) replaces theirs.

    Messages posted from now on show the new name and picture; those on open pages keep the
    old ones until the page reloads. A replaced picture's file is deleted once the change is
    committed.
    """
    with transaction.atomic():
        if email != user.email:
            user.email = email
            user.save(update_fields=["email"])
        profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
        old = profile.avatar.name if profile.avatar else ""
        profile.display_name, profile.bio = display_name, bio
        if avatar is not None:
            # A new name each time: pages and caches holding the old URL never see the new file.
            profile.avatar.save(f"{user.pk}-{get_random_string(12)}.png", avatar, save=False)
        elif remove_avatar:
            profile.avatar = ""
        profile.save()
        if old and old != profile.avatar.name:
            storage = profile.avatar.storage
            transaction.on_commit(lambda: storage.delete(old))
    return profile


def set_active(person: User, active: bool) -> None:
    """Deactivate or reactivate `person`. Deactivated, their sessions end, their open pages
    close within a second, and they cannot log in; their messages stay."""
    with transaction.atomic():
        person.is_active = active
        person.save(update_fields=["is_active"])
        if not active:
            end_sessions(person)
            transaction.on_commit(lambda: broadcast.user_logged_out(person.pk))


def set_staff(person: User, staff: bool) -> None:
    person.is_staff = staff
    person.save(update_fields=["is_staff"])


def password_changed(user: User, *, kept_session: str | None, sockets_of: str | None) -> None:
    """`user`'s password changed in session `kept_session`: every other session ends, and
    every open socket but those of session `sockets_of` (the same session, as its sockets
    know it: its key before the change) closes. After a reset by email, both are None."""
    with transaction.atomic():
        end_sessions(user, keep=kept_session)
        tag = protocol.session_tag(sockets_of) if sockets_of else ""
        transaction.on_commit(lambda: broadcast.user_sessions_ended(user.pk, keep=tag))
