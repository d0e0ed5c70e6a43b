"""Django's database session store, reading a session with one plain SQL statement.

Every request and every socket reads its session. Through the ORM, building and compiling
that one-row query cost more than the user's own query and about 5 % of a POST's CPU
(bench/README.md, run O); the statement itself is the same.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connections, router
from django.utils import timezone

KEY_CHARACTERS = frozenset(VALID_KEY_CHARS)


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        # Keys are made of lowercase letters and digits: any other cookie is no session,
        # without a query (a NUL byte in one would be an error on PostgreSQL).
        valid = super()._validate_session_key(key)  # type: ignore[misc]
        return bool(valid) and KEY_CHARACTERS.issuperset(key or "")

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        connection = connections[router.db_for_read(self.model)]
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote('session_data')} FROM {quote(self.model._meta.db_table)} "
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's store: a new session gets a new key
            return None
        # Only the data: it is all that load() reads.
        return self.model(session_key=self.session_key, session_data=row[0])  # type: ignore[misc]
