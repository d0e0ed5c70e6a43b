"""What the outbound client raises; refusals are logged (logger "outbound") as they are made."""

from __future__ import annotations

import logging

logger = logging.getLogger("outbound")


class OutboundError(Exception):
    """Any failure of an outbound request; str() is a clear reason, fit for a log."""


class Refused(OutboundError):
    """The destination is not allowed (scheme, port, address, URL form): nothing was sent."""


def refuse(reason: str) -> Refused:
    """The Refused to raise, logged with its reason. Reasons name the host or address, never
    the whole URL: links come from messages, and their paths are nobody's business here."""
    logger.info("outbound request refused: %s", reason)
    return Refused(reason)
