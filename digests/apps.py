from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = _("Email about what was missed")

    def ready(self) -> None:
        # Signal receivers connect on import.
        from digests import signals  # noqa: F401
