"""What a push says: {title, body, url, tag} as JSON, which the service worker shows as a
notification (templates/push/service-worker.js). Kept well under the 4 KiB a push service
takes once encrypted: the text is an excerpt."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.people import display_name
from rooms.models import Message

# The message's text in a notification: enough to read, short enough for any push service.
EXCERPT_LENGTH = 400
MAX_BYTES = 3 * 1024


def payload(message: Message) -> bytes:
    """The push for `message`, in the site's language (a push goes to a device, not a page)."""
    room = message.room
    author = display_name(message.author)
    with translation.override(settings.LANGUAGE_CODE):
        if room.is_direct:
            title = author
        else:
            title = _("%(author)s in #%(room)s") % {"author": author, "room": room.name}
        body = message.excerpt(EXCERPT_LENGTH) or _("Sent files")
    data = {
        "title": title,
        "body": body,
        "url": message.get_absolute_url(),
        # One notification per room on a device: a newer one replaces it.
        "tag": f"chat-room-{room.pk}",
    }
    encoded = json.dumps(data, ensure_ascii=False).encode()
    while len(encoded) > MAX_BYTES and len(data["body"]) > 1:  # multi-byte text: shorter
        data["body"] = data["body"][: len(data["body"]) // 2].rstrip() + "…"
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded
