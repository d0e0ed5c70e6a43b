from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PushConfig(AppConfig):
    name = "push"
    verbose_name = _("Web push")

    def ready(self) -> None:
        # Signal receivers connect on import.
        from push import signals  # noqa: F401
