"""Sessions signed in through Django's ModelBackend name accounts.backends.ProfileBackend
instead, so that nobody is signed out when the setting changes."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import migrations

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PROFILE_BACKEND = "accounts.backends.ProfileBackend"


def rename(apps, old: str, new: str) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == old:
            data[BACKEND_SESSION_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_is_bot"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: rename(apps, MODEL_BACKEND, PROFILE_BACKEND),
            lambda apps, schema_editor: rename(apps, PROFILE_BACKEND, MODEL_BACKEND),
        ),
    ]
