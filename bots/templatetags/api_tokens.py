"""`{% load api_tokens %}{% api_tokens %}`: the settings page's "API tokens" section, for the
person viewing it: their tokens (never the keys themselves) and a form for a new one."""

from __future__ import annotations

from typing import Any

from django import template

from bots.forms import TokenForm
from bots.models import ApiKey

register = template.Library()


@register.inclusion_tag("bots/api_tokens.html", takes_context=True)
def api_tokens(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    return {
        "tokens": ApiKey.objects.filter(user=user).live(),
        "form": TokenForm(),
        "csrf_token": context.get("csrf_token"),
    }
