"""A site under test: ASGI server processes sharing one redis-server and one database,
migrated, its static files collected and its users made, as deployed."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from support.asgi import AsgiServer, manage, server_env
from support.http import HttpClient
from support.postgres import create_database, postgres_database
from support.redis import RedisServer, redis_server
from support.shell import DjangoShell
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
    shell: DjangoShell = field(init=False)

    def __post_init__(self) -> None:
        self.shell = DjangoShell(self.env, self.directory / "shell.log")

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

    def python(self, code: str) -> str:
        """Run `code` as `manage.py shell -c` would, against the site's database; return
        what it printed."""
        return self.shell.run(code)


def suite_postgres() -> str | None:
    """The PostgreSQL server the suite runs on (TEST_DATABASE=postgres), if it does."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def prepare_database(env: dict[str, str], *, static: bool = True) -> None:
    """Migrate the database `env` names and, with `static`, collect the static files."""
    manage(env, "migrate", "--noinput")
    if static:
        manage(env, "collectstatic", "--noinput")


class _Prepared:
    """What every site of a test run starts from, made once (each costs seconds of CPU, and
    a run starts dozens of sites): a migrated database to copy, per database server (a
    SQLite file, or a PostgreSQL template database), and one folder of collected static
    files, which sites only read."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._templates: dict[str, str] = {}
        self._static_root = ""

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="sites-"))
            atexit.register(shutil.rmtree, self._folder, ignore_errors=True)
        return self._folder

    def static_root(self) -> str:
        if not self._static_root:
            root = self.folder / "static"
            manage(server_env(STATIC_ROOT=str(root)), "collectstatic", "--noinput")
            self._static_root = str(root)
        return self._static_root

    def database(self, postgres: str | None, directory: Path, cleanup: ExitStack) -> str:
        """A new database for one site, migrated already; its URL."""
        key = postgres or "sqlite"
        if key not in self._templates:
            self._templates[key] = self._template(postgres)
        template = self._templates[key]
        if postgres:
            name = f"site_{os.getpid()}_{next(_databases)}"
            return cleanup.enter_context(postgres_database(postgres, name, template=template))
        copy = directory / "chat.sqlite3"
        # SQLite's backup, not a file copy: the template's last writes may be in its WAL.
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(copy)) as to:
            source.backup(to)
        return f"sqlite:///{copy}"

    def _template(self, postgres: str | None) -> str:
        if postgres:
            name = f"site_template_{os.getpid()}"
            url = create_database(postgres, name)
            manage(server_env(DATABASE_URL=url), "migrate", "--noinput")
            return name
        path = self.folder / "template.sqlite3"
        manage(server_env(DATABASE_URL=f"sqlite:///{path}"), "migrate", "--noinput")
        return str(path)


_prepared = _Prepared()


@contextmanager
def running_site(
    directory: Path,
    *,
    users: Iterable[str] = (),
    servers: int = 2,
    redis: RedisServer | None = None,
    postgres: str | None = None,
    worker: bool = True,
    **settings: str,
) -> Iterator[Site]:
    """`servers` uvicorn processes serving one new, migrated database: a SQLite file in
    `directory` or, given `postgres` (a server's URL), a database of their own there, dropped
    afterwards; both copies of one migrated once per test run.
    They share `redis`, or a redis-server of the site's own (`Site.redis`, which a test may
    stop and start). `settings` override the servers' environment. With `worker`, a
    background task worker runs beside them (`Site.worker`, which a test may stop and start)."""
    with ExitStack() as cleanup:
        own_redis = None
        if redis is None:
            own_redis = redis = cleanup.enter_context(redis_server(directory))
        env = server_env(
            **{
                "DATABASE_URL": _prepared.database(postgres, directory, cleanup),
                "REDIS_URL": redis.url,
                # The run's one collection, which the servers only read.
                "STATIC_ROOT": _prepared.static_root(),
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
        started = []
        for number in range(1, servers + 1):
            server = AsgiServer(env, log_path=directory / f"server-{number}.log")
            cleanup.callback(server.stop)  # before the database is dropped
            started.append(server.launch())
        create_users(env, users)  # while the servers start
        for server in started:
            server.wait_ready()
        task_worker = None
        if worker:
            task_worker = TaskWorker(env, directory / "worker.log")
            cleanup.callback(task_worker.stop)
            task_worker.start()
        site = Site(env, started, directory, own_redis, task_worker)
        cleanup.callback(site.shell.stop)  # before the database is dropped
        yield site
