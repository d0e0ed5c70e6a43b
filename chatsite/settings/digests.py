"""Email about what was missed (digests/, README "Notifications"). Its links are absolute,
from SITE_URL (chatsite/settings/webhooks.py), the site's public origin."""

import os

from django.core.exceptions import ImproperlyConfigured

from chatsite.settings.core import INSTALLED_APPS, LOGGING

INSTALLED_APPS += ["digests"]

# Minutes a mention or direct message stays unread before its person gets an email about it
# (and about everything else they missed meanwhile; at most one email an hour).
try:
    NOTIFY_EMAIL_AFTER = int(os.environ.get("NOTIFY_EMAIL_AFTER") or "10")
except ValueError:
    raise ImproperlyConfigured("NOTIFY_EMAIL_AFTER must be a whole number of minutes.") from None
if NOTIFY_EMAIL_AFTER < 0:
    raise ImproperlyConfigured("NOTIFY_EMAIL_AFTER must be 0 or more minutes.")

# What the worker's digest tasks log (an email sent), like rooms'.
LOGGING["loggers"]["digests"] = {  # type: ignore[index]
    "handlers": ["console"],
    "level": os.environ.get("LOG_LEVEL", "INFO"),
}
