"""`manage.py createbot <name> [--webhook URL] [--display-name NAME]`: make a bot and print
its key, alone on standard output, for scripts and CI (`KEY=$(manage.py createbot ci)`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bots import keys
from bots.forms import BotForm


class Command(BaseCommand):
    help = "Make a bot account and print its API key (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The bot's username.")
        parser.add_argument("--webhook", default="", help="Where to send its webhooks.")
        parser.add_argument("--display-name", default="", help="Shown on its messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        # The staff page's own form: the same names and URLs are refused, with its words.
        form = BotForm(
            {
                "username": options["name"],
                "display_name": options["display_name"],
                "webhook_url": options["webhook"],
            }
        )
        if not form.is_valid():
            problems = "; ".join(
                f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items()
            )
            raise CommandError(problems)
        data = form.cleaned_data
        _bot, issued = keys.create_bot(
            data["username"],
            by=None,
            display_name=data["display_name"],
            webhook_url=data["webhook_url"],
        )
        self.stdout.write(issued.key)
