"""A site under test: ASGI server processes sharing one redis-server and one database,
migrated, its static files collected and its users made, as deployed."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.asgi import AsgiServer, manage, server_env
from support.http import HttpClient
from support.postgres import postgres_database
from support.redis import RedisServer, redis_server
from support.users import PASSWORD, create_users
from support.worker import TaskWorker

_databases = itertools.count(1)
# Where tests serve the web pages a site fetches (link previews): the one loopback address
# its outbound client may reach (OUTBOUND_ALLOWED_NETWORKS); the site itself is on 127.0.0.1.
WEB_HOST = "127.0.0.2"


@dataclass
class Site:
    """The deployment under test: its environment, its server processes, its folder."""

    env: dict[str, str]
    servers: list[AsgiServer]
    directory: Path
    redis: RedisServer | None = None  # when the site runs a redis-server of its own
    worker: TaskWorker | None = None  # the background worker (django-tasks' db_worker)

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    def client(self, username: str, server: AsgiServer | None = None) -> HttpClient:
        """An HttpClient logged in as `username` (password PASSWORD) on `server` (default:
        the first)."""
        client = HttpClient((server or self.servers[0]).url)
        response = client.login(username, PASSWORD)
        assert response.status == 200, response.status
        return client


def suite_postgres() -> str | None:
    """The PostgreSQL server the suite runs on (TEST_DATABASE=postgres), if it does."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def prepare_database(env: dict[str, str], *, static: bool = True) -> None:
    """Migrate the database `env` names and, with `static`, collect the static files."""
    manage(env, "migrate", "--noinput")
    if static:
        manage(env, "collectstatic", "--noinput")


@contextmanager
def running_site(
    directory: Path,
    *,
    users: Iterable[str] = (),
    servers: int = 2,
    redis: RedisServer | None = None,
    postgres: str | None = None,
    static: bool = True,
    worker: bool = True,
    **settings: str,
) -> Iterator[Site]:
    """`servers` uvicorn processes serving one new database: a SQLite file in `directory`
    or, given `postgres` (a server's URL), a database of their own there, dropped afterwards.
    They share `redis`, or a redis-server of the site's own (`Site.redis`, which a test may
    stop and start). `settings` override the servers' environment; with `static` off the
    static files are not collected (pass a STATIC_ROOT that has them). With `worker`, a
    background task worker runs beside them (`Site.worker`, which a test may stop and start)."""
    with ExitStack() as cleanup:
        own_redis = None
        if redis is None:
            own_redis = redis = cleanup.enter_context(redis_server(directory))
        if postgres:
            name = f"site_{os.getpid()}_{next(_databases)}"
            database_url = cleanup.enter_context(postgres_database(postgres, name))
        else:
            database_url = f"sqlite:///{directory / 'chat.sqlite3'}"
        env = server_env(
            **{
                "DATABASE_URL": database_url,
                "REDIS_URL": redis.url,
                "STATIC_ROOT": str(directory / "static"),
                "MEDIA_ROOT": str(directory / "media"),
                # Tests that are not about sign-up sign up freely; e2e/test_accounts.py
                # runs a site of its own with SIGNUP=invite and EMAIL_URL at its SMTP server.
                "SIGNUP": "open",
                "OUTBOUND_ALLOWED_NETWORKS": f"{WEB_HOST}/32",
                # Its processes serve what it stores (avatars, link cards' pictures), as
                # a deployment without a media proxy does.
                "SERVE_MEDIA": "1",
                **settings,
            }
        )
        prepare_database(env, static=static)
        create_users(env, users)
        started = []
        for number in range(1, servers + 1):
            server = AsgiServer(env, log_path=directory / f"server-{number}.log")
            cleanup.callback(server.stop)  # before the database is dropped
            started.append(server.start())
        task_worker = None
        if worker:
            task_worker = TaskWorker(env, directory / "worker.log")
            cleanup.callback(task_worker.stop)
            task_worker.start()
        yield Site(env, started, directory, own_redis, task_worker)
