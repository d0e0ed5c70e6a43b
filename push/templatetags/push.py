"""{% push_settings %}: the settings page's "Push notifications" section (the person's
devices, and enabling push on this one), so the profile view stays as it is."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from push import keys
from push.models import PushSubscription

register = template.Library()


@register.inclusion_tag("push/settings.html", takes_context=True)
def push_settings(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    return {
        "enabled": keys.enabled(),
        "public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
        "devices": PushSubscription.objects.filter(user=user),
        "csrf_token": context.get("csrf_token"),
    }
