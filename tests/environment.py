"""Loaded by pytest before Django (`-p tests.environment` in pyproject.toml).

Tests run with production settings, DEBUG off, which refuse to start without a
SECRET_KEY; give them one that exists only here.

TEST_DATABASE picks the database the whole suite runs on (`make test` runs it with each):
- `sqlite`: SQLite, whatever DATABASE_URL says;
- `postgres`: a PostgreSQL server started here, in a temp directory on a free loopback port,
  and stopped when pytest exits. It is never skipped: without PostgreSQL installed the run
  fails and says how to install it;
- unset: DATABASE_URL as it is (SQLite when unset).
pytest-django creates its test database on that server; the e2e site creates its own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

DATABASE_CHOICES = ("sqlite", "postgres")


def start_postgres() -> str:
    """Start a throwaway PostgreSQL server for this pytest process; return its URL."""
    from support.postgres import MissingDependency, postgres_server

    directory = Path(tempfile.mkdtemp(prefix="chat-test-postgres-"))
    cleanup = ExitStack()
    # Registered first so it runs last: the server is stopped before its files go.
    cleanup.callback(shutil.rmtree, directory, ignore_errors=True)
    try:
        started = time.monotonic()
        server = cleanup.enter_context(postgres_server(directory / "cluster"))
    except MissingDependency as error:
        cleanup.close()
        sys.exit(f"TEST_DATABASE=postgres: {error}")
    except BaseException:
        cleanup.close()
        raise
    atexit.register(cleanup.close)
    print(
        f"PostgreSQL started on {server.url} in {time.monotonic() - started:.1f} s "
        f"(pid {server.process.pid}, cluster in {directory})",
        file=sys.stderr,
    )
    return server.url


def choose_database() -> None:
    choice = os.environ.get("TEST_DATABASE", "").strip().lower()
    if choice == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    elif choice == "postgres":
        os.environ["DATABASE_URL"] = start_postgres()
    elif choice:
        sys.exit(f"TEST_DATABASE={choice!r}: use one of {', '.join(DATABASE_CHOICES)}")


choose_database()


def pytest_report_header(config) -> str:
    """Say in the run's header which database it runs on."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    where = database.get("HOST") and f" at {database['HOST']}:{database['PORT']}"
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]}{where or ''}"
