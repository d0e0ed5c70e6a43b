"""Getting an account: the first run (the site's first account, an administrator), a join
link, and sign-up, by invitation (SIGNUP=invite, the default) or open to anyone."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts import actions
from accounts.forms import TOO_MANY_SIGNUPS, AccountForm, is_well_formed
from accounts.models import Invitation
from chatsite import ratelimit

# The session remembers the invitation a visitor came by, from the join link to sign-up.
INVITATION = "invitation"
BACKEND = "accounts.backends.ProfileBackend"


def address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def invalid_invitation(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    return render(request, "accounts/invitation_invalid.html", {"problem": problem}, status=status)


def too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/too_many.html", {"message": TOO_MANY_SIGNUPS}, status=429)


@require_http_methods(["GET"])
def join(request: HttpRequest, code: str) -> HttpResponse:
    """A join link: remembered in the session, then on to sign-up."""
    if not ratelimit.allow("join", address(request)):
        return too_many(request)
    invitation = Invitation.objects.find(code) if is_well_formed(code) else None
    if invitation is None:
        return invalid_invitation(request, "", status=404)
    problem = invitation.problem()
    if problem is not None:
        return invalid_invitation(request, str(problem.label), status=410)
    if request.user.is_authenticated:
        return redirect("rooms:lobby")
    request.session[INVITATION] = code
    return redirect("signup")


def invitation_of(request: HttpRequest) -> Invitation | None:
    code = request.session.get(INVITATION, "")
    return Invitation.objects.find(code) if is_well_formed(code) else None


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    invitation = None
    if settings.SIGNUP != "open":
        invitation = invitation_of(request)
        if invitation is None or not invitation.is_usable:
            # Whatever was posted: nothing is read, nothing is made.
            return render(request, "accounts/invitation_needed.html", status=403)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and not ratelimit.allow("signup", address(request)):
        return too_many(request)
    if form.is_valid():
        try:
            user = actions.sign_up(form.save(commit=False), invitation)
        except actions.InvitationUnusable as unusable:
            return invalid_invitation(request, str(unusable.problem.label), status=410)
        request.session.pop(INVITATION, None)
        login(request, user, backend=BACKEND)
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = "rooms:lobby"
        return redirect(next_url)
    context = {"form": form, "next": request.GET.get("next", ""), "invited": invitation}
    return render(request, "registration/signup.html", context)


@require_http_methods(["GET", "POST"])
def first_run(request: HttpRequest) -> HttpResponse:
    """The site's first account, an administrator; 404 once anyone has an account."""
    if get_user_model().objects.exists():
        raise Http404
    form = AccountForm(request.POST or None)
    if form.is_valid():
        try:
            user = actions.create_first_admin(form.save(commit=False))
        except actions.FirstRunClosed:
            raise Http404 from None
        login(request, user, backend=BACKEND)
        return redirect("rooms:lobby")
    return render(request, "accounts/first_run.html", {"form": form})
