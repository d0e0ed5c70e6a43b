from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chatsite.typing import AuthenticatedRequest
from previews import actions
from previews.models import LinkCard
from rooms import fragments
from rooms.views.access import find_message


@login_required
@require_http_methods(["GET", "POST"])
def remove_card(request: AuthenticatedRequest, name: str, pk: int) -> HttpResponse:
    """The author removes their message's link card: asked first without JavaScript (GET),
    at once with it (htmx posts, answered with the message to merge)."""
    message = find_message(request, name, pk)
    if request.user.pk != message.author_id:
        raise PermissionDenied(_("Only the author can remove a message's link preview."))
    card = LinkCard.objects.filter(message=message).first()
    if card is None or message.is_deleted:
        raise Http404(_("This message has no link preview."))
    if request.method == "GET":
        return render(request, "previews/remove_card.html", {"message": message, "card": card})
    actions.remove_card(message, card)
    if request.htmx:
        return render(request, fragments.MESSAGE, {"message": message})
    return redirect(message.room)
