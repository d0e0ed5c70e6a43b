"""Staff hand out invitations here: the team's join link (regenerated, the old one stops at
once) and single-use links with an optional expiry, each revocable."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import actions
from accounts.forms import SingleUseForm
from accounts.models import Invitation
from chatsite.typing import AuthenticatedRequest


def staff_only(request: AuthenticatedRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: AuthenticatedRequest) -> HttpResponse:
    """GET: the links; POST: a new single-use link."""
    staff_only(request)
    form = SingleUseForm(request.POST or None)
    if form.is_valid():
        actions.create_single_use(request.user, form.expires_at())
        return redirect("invitations")
    context = {
        "form": form,
        "team_link": Invitation.objects.team_link(),
        "single_use": Invitation.objects.single_use()[:200],
    }
    return render(request, "accounts/invitations.html", context)


@login_required
@require_POST
def regenerate_team_link(request: AuthenticatedRequest) -> HttpResponse:
    staff_only(request)
    actions.regenerate_team_link(request.user)
    return redirect("invitations")


@login_required
@require_POST
def revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    staff_only(request)
    actions.revoke(get_object_or_404(Invitation, pk=pk))
    return redirect("invitations")
