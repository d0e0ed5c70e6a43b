"""`python manage.py webpush_keys`: a new VAPID key pair, printed as environment lines."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from push.keys import generate


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for web push as WEBPUSH_VAPID_PUBLIC_KEY=… and "
        "WEBPUSH_VAPID_PRIVATE_KEY=… lines, ready for an environment file. Keep the private "
        "key secret; a new pair makes every device subscribe again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        public, private = generate()
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
