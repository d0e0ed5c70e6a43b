"""What the webhook tests share: a bot whose webhook is a receiver on the loopback web site,
posting with the on-commit work done, and running the queued deliveries with db_worker's own
code (tests/link_cards.py's run_queued_tasks)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django_tasks_db.models import DBTaskResult

from bots.keys import create_bot
from bots.models import Bot
from rooms.actions import post_message
from rooms.models import Message, Room
from support.http_sites import HttpSite
from support.webhook_receiver import WebhookReceiver
from tests.link_cards import run_queued_tasks


@dataclass
class HookedBot:
    bot: Bot
    receiver: WebhookReceiver

    @property
    def user(self):
        return self.bot.user


def hooked_bot(web: HttpSite, username: str = "pingbot", path: str = "/hook") -> HookedBot:
    """A bot whose webhook is a fresh verifying receiver at `path` of `web`."""
    bot, _issued = create_bot(username, by=None, webhook_url=web.url(path))
    receiver = WebhookReceiver(secret=bot.webhook_secret)
    web.routes[path] = receiver
    return HookedBot(bot, receiver)


@pytest.fixture(name="fast_retries")
def fast_retries_fixture(settings) -> None:
    """Retries at once (the backoff itself is tested with the real delays)."""
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0]


def queued_deliveries() -> list[list]:
    """The arguments of every delivery waiting to run."""
    queued = DBTaskResult.objects.ready().filter(task_path="bots.tasks.deliver")
    return [task.args_kwargs["args"] for task in queued.order_by("enqueued_at")]


def post_and_deliver(capture, room: Room, author, body: str) -> tuple[Message, list[object]]:
    """Post `body`, then run what it queued (and any retry); the message and what the
    deliveries returned. `capture`: django_capture_on_commit_callbacks."""
    with capture(execute=True):
        message = post_message(room, author, body)
    with capture(execute=True):
        return message, run_queued_tasks()


def replies_of(bot: HookedBot) -> list[Message]:
    return list(Message.objects.filter(author=bot.user).order_by("pk"))
