"""Django's SQLite backend, with each process's connections handed from one request to
the next instead of opened and closed by each.

Under ASGI every request runs in a thread of its own and closes its connection when done
(CONN_MAX_AGE=0). Opening one (and setting it up: Django's functions, the pragmas) was
8 % of a socket connect's CPU, and when the last connection to a database in WAL mode
closes, SQLite copies the whole log back into the database and deletes it: with one
server process, that was at the end of every request, some 1.5 ms of a POST's 14
(bench/README.md, runs J and L). Here a closed connection goes back to its database's
idle list, rolled back if it was left in a transaction, and the next thread takes it; a
process never closes its last one. SQLite still folds the log back as it grows (every
1 000 pages, at a commit).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import defaultdict
from typing import Any

from django.db.backends.sqlite3 import base

# Enough for the threads a process runs at once; any more are closed when given back.
IDLE_PER_DATABASE = 8

# Database path -> (connection, the file's inode when it was opened), last given back last.
_idle: defaultdict[str, list[tuple[sqlite3.Connection, int]]] = defaultdict(list)
_handing = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> sqlite3.Connection:
        if not self.is_in_memory_db():
            idle = take(str(conn_params["database"]))
            if idle is not None:
                return idle
        return super().get_new_connection(conn_params)

    def _close(self) -> None:
        # Django's close() calls this to close the connection itself (base.DatabaseWrapper).
        connection = self.connection
        if connection is None:
            return
        with self.wrap_database_errors:
            if self.is_in_memory_db():
                connection.close()
                return
            if connection.in_transaction:  # closed inside an atomic block that failed
                connection.rollback()
            if not give_back(str(self.settings_dict["NAME"]), connection):
                connection.close()


def _inode(database: str) -> int | None:
    """The file's inode; None for a file: URI, or a file not created yet."""
    try:
        return os.stat(database).st_ino
    except OSError:
        return None


def take(database: str) -> sqlite3.Connection | None:
    """An idle connection to `database`'s file as it is now, if the process has one."""
    inode = _inode(database)
    with _handing:
        idle = _idle[database]
        while idle:
            connection, opened_on = idle.pop()
            if opened_on == inode:
                return connection
            # The file was deleted and made again (a test database, say): a connection
            # opened before reads the old one.
            connection.close()
    return None


def give_back(database: str, connection: sqlite3.Connection) -> bool:
    """Keep `connection` for the next thread; False if the process keeps enough already,
    or cannot tell the file's inode (a file: URI)."""
    inode = _inode(database)
    if inode is None:
        return False
    with _handing:
        idle = _idle[database]
        if len(idle) >= IDLE_PER_DATABASE:
            return False
        idle.append((connection, inode))
    return True


def close_idle() -> None:
    """Close every idle connection of the process (the last one folds its log back)."""
    with _handing:
        for idle in _idle.values():
            for connection, _ in idle:
                connection.close()
        _idle.clear()
