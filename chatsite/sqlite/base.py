"""Django's SQLite backend, with one idle connection to each database file kept open for
the life of the process.

Under ASGI every request runs in a thread of its own and closes its connection when done
(CONN_MAX_AGE=0). When the last connection to a database in WAL mode closes, SQLite copies
the whole log back into the database and deletes it: with one server process, that was at
the end of every request, some 1.5 ms of a POST's 14 (bench/README.md, run J). With an idle
connection kept, a request's close is never the last; SQLite still folds the log back as
it grows (every 1 000 pages, at a commit). The kept connection reads once, in autocommit,
and never again, so it holds no lock.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from django.db.backends.sqlite3 import base

_kept: dict[str, sqlite3.Connection] = {}
_keeping = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> sqlite3.Connection:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            keep_open(str(conn_params["database"]))
        return connection


def keep_open(database: str) -> None:
    """Open an idle connection to `database` (a path or a file: URI), once per process."""
    with _keeping:
        if database not in _kept:
            kept = sqlite3.connect(database, uri=True, check_same_thread=False)
            # Only a connection that has read the database counts as open to its log.
            kept.execute("PRAGMA schema_version").fetchone()
            _kept[database] = kept
