"""A person's devices: subscribe this one (POST the JSON of PushSubscription.toJSON()),
unsubscribe one (DELETE, or a plain form's POST), and the service worker at the site's root.
Another person's device is 404, as if it did not exist."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatsite.typing import AuthenticatedRequest
from push import actions, keys
from push.forms import MAX_BODY_BYTES, SubscriptionForm, device_name
from push.models import PushSubscription

SERVICE_WORKER = Path(settings.BASE_DIR) / "static" / "service-worker.js"


def problem(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def devices(request: AuthenticatedRequest, status: int = 200) -> TemplateResponse:
    """The person's list of devices, as the settings page shows it."""
    context = {"devices": PushSubscription.objects.filter(user=request.user)}
    return TemplateResponse(request, "push/settings.html#devices", context, status=status)


def request_body(request: HttpRequest) -> bytes | None:
    """The body, if it is at most MAX_BODY_BYTES (judged before reading it)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    return request.body if declared <= MAX_BODY_BYTES else None


@login_required
@require_http_methods(["POST", "DELETE"])
def subscriptions(request: AuthenticatedRequest) -> HttpResponse:
    if not keys.enabled():
        return problem(503, str(keys.PUSH_OFF))
    body = request_body(request)
    if body is None:
        return problem(400, _("A push subscription is at most %(size)d bytes of JSON.")
                       % {"size": MAX_BODY_BYTES})  # fmt: skip
    if request.method == "DELETE":
        return unsubscribe_endpoint(request, body)
    form = SubscriptionForm.from_json(body)
    if not form.is_valid():
        return problem(400, form.problem())
    try:
        _device, created = actions.subscribe(
            request.user, **form.cleaned_data,
            user_agent=device_name(request.headers.get("User-Agent", "")),
        )  # fmt: skip
    except actions.TooManyDevices:
        message = _("You have %(count)d devices with push already: remove one first.")
        return problem(400, message % {"count": settings.WEBPUSH_MAX_DEVICES})
    return devices(request, status=201 if created else 200)


def unsubscribe_endpoint(request: AuthenticatedRequest, body: bytes) -> HttpResponse:
    """DELETE with {"endpoint": ...}: this device stops its push (the page unsubscribed)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return problem(400, _('Send {"endpoint": "…"}: the device to remove.'))
    if not actions.unsubscribe(request.user, endpoint=endpoint):
        raise Http404
    return HttpResponse(status=204)


@login_required
@require_http_methods(["DELETE"])
def device(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if not actions.unsubscribe(request.user, pk=pk):
        raise Http404
    return HttpResponse(status=204)


@login_required
@require_POST
def remove_device(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """ "Remove" in the settings page's list: a plain form, so it works without JavaScript."""
    if not actions.unsubscribe(request.user, pk=pk):
        raise Http404
    return redirect(reverse("edit_profile") + "#push")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that its scope is the whole site. Anyone may
    fetch it: browsers check it for updates whoever is signed in."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"  # an update reaches devices at their next check
    return response
