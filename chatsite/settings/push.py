"""Web push (push/, README "Web push"): the site's VAPID key pair and contact, from the
environment. Without both keys push is off: nothing is sent, the subscription endpoint
answers 503, and the worker says so once in its log."""

import os

from chatsite.settings.core import INSTALLED_APPS, LOGGING

INSTALLED_APPS += ["push"]

# `python manage.py webpush_keys` prints a fresh pair in this form: the public key as the
# browser's applicationServerKey (base64url, uncompressed P-256 point), the private key as
# its raw 32 bytes in base64url.
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "").strip()
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "").strip()
# Who push services may contact about this site's pushes: a mailto: or https: URL.
WEBPUSH_CONTACT = os.environ.get("WEBPUSH_CONTACT", "mailto:admin@localhost").strip()
# How long a push service keeps a push for a device that is offline, in seconds.
WEBPUSH_TTL = int(os.environ.get("WEBPUSH_TTL", str(24 * 60 * 60)))
# Devices one person may subscribe.
WEBPUSH_MAX_DEVICES = int(os.environ.get("WEBPUSH_MAX_DEVICES", "20"))
# Tries per device and push (a 429, a 5xx or no answer is tried again, later each time).
WEBPUSH_MAX_TRIES = 3
WEBPUSH_RETRY_DELAY = float(os.environ.get("WEBPUSH_RETRY_DELAY", "5"))

LOGGING["loggers"]["push"] = {  # type: ignore[index]
    "handlers": ["console"],
    "level": os.environ.get("LOG_LEVEL", "INFO"),
}
