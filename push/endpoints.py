"""Which push endpoints this site sends to. Browsers supply them, so they are URLs from
strangers: https only, through the guarded client (outbound/), which reaches public addresses
only. Plain http is taken only for an address written in the URL that lies inside
OUTBOUND_ALLOWED_NETWORKS (the test suite's loopback receiver): never a name, which could
resolve elsewhere by the time of the send."""

from __future__ import annotations

import re

from outbound import Refused
from outbound.addresses import allowed_networks, refusal
from outbound.destinations import destination

UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f]")


def endpoint_problem(url: str) -> str | None:
    """Why pushes may not go to `url`, or None when they may."""
    if UNSAFE.search(url):  # urlsplit drops tabs and newlines: the URL would not be as stored
        return "the URL contains spaces or control characters"
    try:
        target = destination(url)
    except Refused as error:
        return str(error)
    if target.literal is not None:
        reason = refusal(target.literal, target.port)
        if reason is not None:
            return reason
    if target.scheme == "https":
        return None
    allowed = target.literal is not None and any(
        target.literal in network for network in allowed_networks()
    )
    return None if allowed else "a push endpoint must be an https URL"
