from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from rooms import actions
from rooms.forms import MemberForm, MessageForm
from rooms.views.access import visible_room
from rooms.views.rooms import render_room


@login_required
@require_http_methods(["POST"])
def add_member(request: AuthenticatedRequest, name: str) -> HttpResponse:
    room = visible_room(request, name)
    if not room.can_manage_members(request.user):
        raise PermissionDenied(_("Only a private room has members to add."))
    form = MemberForm(request.POST)
    if form.is_valid():
        actions.add_member(room, form.cleaned_data["username"], by=request.user)
        return redirect(room)
    return render_room(request, room, MessageForm.blank(), member_form=form)


@login_required
@require_http_methods(["POST"])
def remove_member(request: AuthenticatedRequest, name: str, user_id: int) -> HttpResponse:
    """Leave a private room, or (its creator, staff) take someone else out of it."""
    room = visible_room(request, name)
    member = get_object_or_404(room.members, pk=user_id)
    if not room.can_remove(member, by=request.user):
        raise PermissionDenied(_("Only the room's creator or staff can take someone out."))
    actions.remove_member(room, member, by=request.user)
    return redirect("rooms:lobby" if member.pk == request.user.pk else room)
