from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Signal receivers connect on import.
        from accounts import signals  # noqa: F401
