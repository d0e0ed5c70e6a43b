"""`{% load digests %}{% email_preference %}`: the settings page's email switch, for the
person viewing it."""

from __future__ import annotations

from typing import Any

from django import template

from digests import actions

register = template.Library()


@register.inclusion_tag("digests/preference.html", takes_context=True)
def email_preference(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    return {
        "enabled": actions.is_enabled(user),
        "has_email": bool(user.email),
        "csrf_token": context.get("csrf_token"),
    }
