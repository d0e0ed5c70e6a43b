"""The one way out to the web: every outbound HTTP request (link previews, later webhooks and
web push) goes through get() or post(), which reach only public addresses on ports 80 and 443
(or OUTBOUND_ALLOWED_NETWORKS), within one deadline and a size limit. See README "Outbound
HTTP"."""

from outbound.client import Response, get, post
from outbound.errors import OutboundError, Refused

__all__ = ["OutboundError", "Refused", "Response", "get", "post"]
