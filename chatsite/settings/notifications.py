"""Notification levels per room, the tab's badge and desktop notifications (notifications/).
Web push and email digests add their apps in their own settings modules."""

from chatsite.settings.core import INSTALLED_APPS

INSTALLED_APPS += ["notifications"]
