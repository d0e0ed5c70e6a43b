"""What every page's script must know of the live protocol, from rooms/protocol.py, and the
words it shows of its own, in the page's language.

base.html hands both to the page as JSON (`json_script`), so the page's JavaScript holds no
copy of the server's close codes and no English.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext, pgettext

from rooms import protocol

# protocol.py's rule: the page reconnects (and catches up) after any close below 4000 and
# never retries the application codes, 4000-4999: the server refused the socket for good.
REFUSED_FROM = 4000


def live_protocol(request: HttpRequest) -> dict[str, object]:
    return {
        "live_protocol": {
            "refused_from": REFUSED_FROM,
            "close": {
                "reconnect": protocol.CLOSE_RECONNECT,
                "unauthenticated": protocol.CLOSE_UNAUTHENTICATED,
                "forbidden": protocol.CLOSE_FORBIDDEN,
                "no_such_room": protocol.CLOSE_NO_SUCH_ROOM,
            },
            # What the page says of its socket, by state (static/htmx/chat/connection.js).
            "connection": {
                "open": gettext("Connected"),
                "connecting": gettext("Connecting…"),
                "reconnecting": gettext("Reconnecting… messages you send are still delivered."),
                "closed": gettext("Disconnected. Reload the page to reconnect."),
            },
            # The room's dividers (static/htmx/chat/dividers.js); dates come from Intl.
            "reading": {
                "today": gettext("Today"),
                "yesterday": gettext("Yesterday"),
                "new": pgettext("unread messages divider", "New"),
            },
        }
    }
