"""A bot's webhook receiver for tests: a route of a loopback site (support/http_sites.py)
that checks each request's signature with the very `verify` that README "Verifying
webhooks" quotes, then answers as told.

    receiver = WebhookReceiver(secret=bot.webhook_secret, answers=[reply("Pong")])
    web.routes["/hook"] = receiver  # web: an http_site on WEB_HOST
    ...  # a delivery arrives
    assert receiver.verified[0]["message"]["body"] == "@pingbot ping"

Answers are used in turn, the last one for every request after; no answers: 204. A request
whose signature does not verify gets 401 and lands in `rejected`, never in `verified`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bots.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from support.http_sites import Exchange, Recorded, Route, reply

if TYPE_CHECKING:
    from support.site import Site


@dataclass
class WebhookReceiver:
    secret: str
    answers: list[Route] = field(default_factory=list)
    verified: list[dict[str, Any]] = field(default_factory=list)  # the payloads, in order
    rejected: list[Recorded] = field(default_factory=list)
    hits: int = 0  # every request, verified or not

    def __call__(self, exchange: Exchange) -> None:
        self.hits += 1
        request = exchange.request
        timestamp = request.headers.get(TIMESTAMP_HEADER.lower())
        signature = request.headers.get(SIGNATURE_HEADER.lower())
        if not verify(self.secret, timestamp, request.body, signature):
            self.rejected.append(request)
            reply("bad signature", status=401)(exchange)
            return
        self.verified.append(json.loads(request.body))
        answer = self.answers.pop(0) if len(self.answers) > 1 else None
        answer = answer or (self.answers[0] if self.answers else reply(b"", status=204))
        answer(exchange)


def create_hooked_bot(site: Site, username: str, webhook_url: str) -> str:
    """Make the bot `username`, its webhook at `webhook_url`, in the database of a site under
    test, through the site's own code; the bot's webhook secret."""
    script = (
        "from bots.keys import create_bot; "
        f"bot, _ = create_bot({username!r}, by=None, webhook_url={webhook_url!r}); "
        "print(bot.webhook_secret)"
    )
    return site.python(script).strip()
