from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreviewsConfig(AppConfig):
    name = "previews"
    verbose_name = _("Link previews")

    def ready(self) -> None:
        # Signal receivers connect on import.
        from previews import signals  # noqa: F401
