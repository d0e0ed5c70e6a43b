"""What the accounts app stores: profiles, invitations, and the mark that the first run is done.

State and queries only: every change with side effects is in accounts/actions.py.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from chatsite.typing import User

DISPLAY_NAME_MAX_LENGTH = 50
BIO_MAX_LENGTH = 300


class Profile(models.Model):
    """How a person shows: a display name, a bio, an avatar. People without a row show their
    username and their initials (accounts.people.profile_of)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    display_name = models.CharField(
        _("display name"), max_length=DISPLAY_NAME_MAX_LENGTH, blank=True
    )
    bio = models.TextField(_("bio"), max_length=BIO_MAX_LENGTH, blank=True)
    # A 256 px PNG this site encoded (accounts/avatars.py), under a new random name each time.
    avatar = models.FileField(_("avatar"), upload_to="avatars/", blank=True)
    # Bots' accounts (bots/): their messages carry a "bot" mark.
    is_bot = models.BooleanField(_("bot"), default=False)

    if TYPE_CHECKING:
        user_id: int

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What others see: the display name, else the username."""
        return self.display_name or self.user.get_username()


# An invitation's code: 32 random bytes (256 bits), URL-safe base64 without padding.
CODE_BYTES = 32
CODE_LENGTH = 43


def digest(code: str) -> str:
    """What look-ups use: a code's SHA-256, so the database index never sees the code."""
    return hashlib.sha256(code.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def find(self, code: str) -> Invitation | None:
        """The invitation whose code is `code`, compared in constant time, or None."""
        invitation = self.filter(digest=digest(code)).first()
        if invitation is None or not secrets.compare_digest(invitation.code, code):
            return None
        return invitation

    def team_link(self) -> Invitation | None:
        """The team's join link in force, if there is one."""
        links = self.filter(kind=Invitation.Kind.TEAM, revoked_at__isnull=True)
        return links.order_by("-created_at").first()

    def single_use(self) -> InvitationQuerySet:
        return self.filter(kind=Invitation.Kind.SINGLE).select_related("used_by", "created_by")


class Invitation(models.Model):
    """A link to sign up by: the team's (many uses, one in force at a time) or one person's."""

    class Kind(models.TextChoices):
        TEAM = "team", _("Team link")
        SINGLE = "single", _("Single-use link")

    class Problem(models.TextChoices):
        REVOKED = "revoked", _("This invitation was withdrawn.")
        EXPIRED = "expired", _("This invitation has expired.")
        USED = "used", _("This invitation has already been used.")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Shown to staff (it is the link they hand out); found by its digest.
    code = models.CharField(max_length=CODE_LENGTH)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def new(cls, kind: str, by: User | None, expires_at: datetime | None = None) -> Invitation:
        code = secrets.token_urlsafe(CODE_BYTES)
        return cls(kind=kind, code=code, digest=digest(code), created_by=by, expires_at=expires_at)

    def problem(self, now: datetime | None = None) -> Invitation.Problem | None:
        """Why the invitation cannot be used now, or None if it can."""
        if self.revoked_at is not None:
            return self.Problem.REVOKED
        if self.kind == self.Kind.SINGLE and self.used_at is not None:
            return self.Problem.USED
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return self.Problem.EXPIRED
        return None

    @property
    def is_usable(self) -> bool:
        return self.problem() is None


class FirstRun(models.Model):
    """One row, written with the first account: two first-run forms sent at the same moment
    cannot both make an administrator (the second insert fails on the primary key)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    done_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"First run done at {self.done_at}"
