from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BotsConfig(AppConfig):
    name = "bots"
    verbose_name = _("Bots and API keys")

    def ready(self) -> None:
        # Signal receivers connect on import: outgoing webhooks (bots/receivers.py).
        from bots import receivers  # noqa: F401
