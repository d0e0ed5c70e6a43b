"""Files in messages, link previews, the guarded outbound client and background work."""

import os

from chatsite.settings.core import INSTALLED_APPS, LOGGING, RATE_LIMITS
from chatsite.settings.environment import env_list

INSTALLED_APPS += ["django_tasks", "django_tasks_db", "attachments", "previews", "reactions"]

# Attachments (attachments/, README "Files").
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024)))
ATTACHMENT_MAX_FILES = int(os.environ.get("ATTACHMENT_MAX_FILES", "10"))
RATE_LIMITS.update(upload=os.environ.get("RATE_LIMIT_UPLOAD", "200/hour"))
# Reactions (reactions/): adding or removing one, per person.
RATE_LIMITS.update(react=os.environ.get("RATE_LIMIT_REACT", "30/10seconds"))
# Uploads larger than this go to a temporary file as they arrive, never whole into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# Behind nginx: the internal location that serves MEDIA_ROOT (e.g. "/protected-media/"),
# so that the proxy sends files once the app has checked who asks (X-Accel-Redirect).
# Empty: the app streams them itself (README, "Files").
ATTACHMENT_ACCEL_REDIRECT = os.environ.get("ATTACHMENT_ACCEL_REDIRECT", "")

# Outbound HTTP (outbound/): only global addresses, unless listed here (CIDR networks);
# the test suite lists its own loopback sites. Never list private networks in production.
OUTBOUND_ALLOWED_NETWORKS = env_list("OUTBOUND_ALLOWED_NETWORKS")

# Background work (django-tasks): stored in the database, run by `manage.py db_worker`,
# which `make run` starts next to the server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# What the worker's link-preview tasks log (a page refused, a picture dropped), like rooms'.
LOGGING["loggers"]["previews"] = {  # type: ignore[index]
    "handlers": ["console"],
    "level": os.environ.get("LOG_LEVEL", "INFO"),
}
