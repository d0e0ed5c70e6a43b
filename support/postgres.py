"""PostgreSQL for tests: a throwaway server in a temp directory, as real as production's,
and databases of their own on it."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.processes import (
    LOOPBACK,
    MissingDependency,
    free_port,
    serve_on_a_free_port,
)

POSTGRES_USER = "chat"
# PostgreSQL refuses to run as root; as root, the server runs as this unprivileged user.
POSTGRES_OS_USER = "nobody"


def postgres_bin_dir() -> Path:
    """The folder with PostgreSQL's `initdb` and `postgres` (Debian: /usr/lib/postgresql/N/bin)."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    debian = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(debian, key=lambda path: _version(path.parent.name), reverse=True)
    for directory in candidates:
        if all((directory / program).is_file() for program in ("initdb", "postgres")):
            return directory
    raise MissingDependency(
        "PostgreSQL's server (initdb, postgres) is not installed. On Debian/Ubuntu: "
        "apt-get install -y postgresql (`make test` does this by itself when run as root); "
        "elsewhere install the PostgreSQL server and put its bin folder on PATH."
    )


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def postgres_url(port: int, database: str, user: str = POSTGRES_USER) -> str:
    return f"postgres://{user}@{LOOPBACK}:{port}/{database}"


def postgres_accepts(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@dataclass
class PostgresServer:
    port: int
    process: subprocess.Popen
    directory: Path

    @property
    def url(self) -> str:
        """The `chat` database, owned by the `chat` superuser (trust auth on loopback only)."""
        return postgres_url(self.port, POSTGRES_USER)


def _unprivileged() -> dict:
    """subprocess arguments that drop root to POSTGRES_OS_USER; none when not root."""
    if os.geteuid() != 0:
        return {}
    import pwd

    account = pwd.getpwnam(POSTGRES_OS_USER)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _let_through(directory: Path) -> None:
    """Let other users pass through (not list) our temp folders above `directory`.

    Temp folders are usually private to root (mkdtemp, pytest's basetemp), so the server's
    unprivileged user could not reach its own cluster below them.
    """
    temp_root = Path(tempfile.gettempdir()).resolve()
    for parent in directory.resolve().parents:
        if parent == temp_root or temp_root not in parent.parents:
            break
        mode = parent.stat()
        if mode.st_uid == os.geteuid() and not mode.st_mode & stat.S_IXOTH:
            parent.chmod(stat.S_IMODE(mode.st_mode) | stat.S_IXOTH)


def _log_tail(log_path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def postgres_server(directory: Path) -> Iterator[PostgresServer]:
    """A PostgreSQL server on a free loopback port, its cluster in `directory`.

    Durability is off (fsync, synchronous commit): the data lives only as long as the tests.
    Stopped with a fast shutdown, which disconnects clients still connected.
    """
    bin_dir = postgres_bin_dir()
    drop = _unprivileged()
    directory.mkdir(parents=True, exist_ok=True)
    if drop:
        _let_through(directory)
        os.chown(directory, drop["user"], drop["group"])
    data = directory / "data"
    log_path = directory / "postgres.log"
    initdb = subprocess.run(
        [bin_dir / "initdb", "-D", data, "--username", POSTGRES_USER, "--auth", "trust",
         "--encoding", "UTF8", "--no-locale", "--no-sync"],
        cwd=directory, capture_output=True, text=True, check=False, **drop,
    )  # fmt: skip
    if initdb.returncode != 0:
        raise RuntimeError(
            f"initdb failed in {directory} (as {POSTGRES_OS_USER if drop else 'this user'}; "
            "every folder above it must let that user through):\n"
            f"{initdb.stdout}{initdb.stderr}"
        )

    def launch(port: int) -> subprocess.Popen:
        with open(log_path, "ab") as log:
            return subprocess.Popen(
                [bin_dir / "postgres", "-D", data, "-h", LOOPBACK, "-p", str(port),
                 "-k", "", "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=200"],
                cwd=directory, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                **drop,
            )  # fmt: skip

    try:
        process, port = serve_on_a_free_port(
            launch, lambda port: postgres_accepts(postgres_url(port, "postgres")),
            port=free_port(), keep_port=False, timeout=30, what="postgres",
        )  # fmt: skip
    except (RuntimeError, TimeoutError) as error:
        raise RuntimeError(f"{error}; its log:\n{_log_tail(log_path)}") from error
    admin_url = postgres_url(port, "postgres")
    try:
        create_database(admin_url, POSTGRES_USER)
        yield PostgresServer(port, process, directory)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # fast shutdown: SIGTERM would wait for clients
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _database_url(server_url: str, name: str) -> str:
    scheme, _, rest = server_url.partition("://")
    location, _, query = rest.partition("?")
    authority = location.split("/", 1)[0]
    return f"{scheme}://{authority}/{name}" + (f"?{query}" if query else "")


def create_database(server_url: str, name: str, *, template: str | None = None) -> str:
    """Create database `name` on the server `server_url` points at, a copy of `template`
    if given (a database nobody is connected to); return its URL."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(statement)
    return _database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def postgres_database(server_url: str, name: str, *, template: str | None = None) -> Iterator[str]:
    """A new database `name` next to the one `server_url` names, empty or a copy of
    `template`; dropped afterwards."""
    url = create_database(server_url, name, template=template)
    try:
        yield url
    finally:
        drop_database(server_url, name)
