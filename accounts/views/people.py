"""The directory of people, each person's page, and what staff may do there: deactivate and
reactivate people, grant and remove staff."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import actions
from accounts.forms import PeopleQuery, PersonActionForm
from accounts.people import directory as find_people
from accounts.people import profile_of
from chatsite.typing import AuthenticatedRequest

PAGE_SIZE = 50


@login_required
@require_GET
def directory(request: AuthenticatedRequest) -> HttpResponse:
    query = PeopleQuery.of(request.GET)
    people = find_people(query["q"], include_inactive=request.user.is_staff)
    page = Paginator(people, PAGE_SIZE).get_page(query["page"])
    return render(request, "people/directory.html", {"q": query["q"], "page": page})


@login_required
@require_GET
def profile(request: AuthenticatedRequest, username: str) -> HttpResponse:
    people = get_user_model().objects.select_related("profile")
    if not request.user.is_staff:
        people = people.filter(is_active=True)
    person = get_object_or_404(people, username=username)
    context = {"person": person, "profile": profile_of(person)}
    return render(request, "people/profile.html", context)


@login_required
@require_POST
def manage(request: AuthenticatedRequest, username: str) -> HttpResponse:
    """Staff: deactivate, reactivate, grant or remove staff; never on themselves."""
    if not request.user.is_staff:
        raise PermissionDenied
    person = get_object_or_404(get_user_model(), username=username)
    form = PersonActionForm(request.POST)
    if not form.is_valid():
        raise BadRequest(form.errors.as_text())
    if person.pk == request.user.pk:
        raise PermissionDenied  # staff cannot lock themselves out
    action = form.cleaned_data["action"]
    if action in ("deactivate", "reactivate"):
        actions.set_active(person, action == "reactivate")
    else:
        actions.set_staff(person, action == "grant_staff")
    return redirect("people:profile", person.get_username())
