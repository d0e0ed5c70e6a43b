from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"

    def ready(self) -> None:
        # Signal receivers connect on import.
        from rooms import logout  # noqa: F401
