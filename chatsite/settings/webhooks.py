"""Outgoing webhooks of bots (bots/webhooks.py, README "Verifying webhooks")."""

import os

from chatsite.settings.core import LOGGING
from chatsite.settings.environment import env_list

# The site's public origin, for the absolute links a webhook carries (the message, its
# room, where to reply): e.g. https://chat.example.com. No trailing slash.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
# Seconds a webhook's receiver has for its whole answer; then the delivery is retried.
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "7"))
# Seconds before each retry of a delivery that failed for the receiver's trouble (5xx, no
# answer in time, no connection): one retry per entry, so at most 3 by default.
WEBHOOK_RETRY_DELAYS = [int(delay) for delay in env_list("WEBHOOK_RETRY_DELAYS", "10,60,300")]
# The most of a receiver's answer that is read; a longer one posts nothing.
WEBHOOK_REPLY_MAX_BYTES = 64 * 1024

LOGGING["loggers"].setdefault(  # type: ignore[attr-defined]
    "bots", {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")}
)
