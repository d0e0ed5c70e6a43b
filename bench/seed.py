"""Users, rooms and logged-in sessions for a benchmark run, made inside Django.

Run through manage.py so it uses the servers' own settings and database:

    BENCH_SEED='{"users": 5000, "rooms": ["bench-r0"], "password": "..."}' \
        python manage.py shell -c "from bench.seed import main; main()"

Prints one JSON line: the session keys (one per user, in order) and the room names. The
sessions are what `django.contrib.auth.login` stores, so the `sessionid` cookie works on
every page and websocket exactly as a browser's does.
"""

from __future__ import annotations

import json
import os

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from rooms.models import Room

POSTER = "bench-poster"


def main() -> None:
    spec = json.loads(os.environ["BENCH_SEED"])
    User = get_user_model()
    with transaction.atomic():
        # Members never log in with a password (their sessions are made here), so each gets
        # an unusable one: no hashing, which for 5000 users would take minutes.
        User.objects.bulk_create(
            User(username=f"bench-{number:05d}", password=make_password(None))
            for number in range(spec["users"])
        )
        members = list(
            User.objects.filter(username__regex=r"^bench-[0-9]{5}$").order_by("username")
        )
        poster = User.objects.create_user(POSTER, password=spec["password"])
        Room.objects.bulk_create(Room(name=name, created_by=poster) for name in spec["rooms"])
        expiry = timezone.now() + timezone.timedelta(days=1)
        sessions = []
        keys = []
        store = SessionStore()
        for user in members[: spec["users"]]:
            key = store._get_new_session_key()
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expiry)
            )
            keys.append(key)
        Session.objects.bulk_create(sessions)
    print(json.dumps({"sessions": keys, "rooms": spec["rooms"], "poster": POSTER}))
