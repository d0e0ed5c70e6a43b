"""Bots, API keys and the HTTP API v1 (bots/, api/, README "Integrations")."""

import os

from chatsite.settings.core import INSTALLED_APPS, RATE_LIMITS

INSTALLED_APPS += ["ninja", "bots"]

# Requests to the HTTP API, counted per key (per person for requests with the session cookie).
RATE_LIMITS.update(api=os.environ.get("RATE_LIMIT_API", "60/minute"))
