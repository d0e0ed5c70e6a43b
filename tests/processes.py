"""Real processes for tests, e2e and benchmarks: redis-server and ASGI servers on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
# The largest websocket frame a server takes (the page sends only small typing frames).
MAX_FRAME = 64 * 1024


class MissingDependency(RuntimeError):
    """A program the suite needs is not installed; the message says how to get it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, process: subprocess.Popen | None = None):
    """Poll `condition` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with code {process.returncode}")
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout} s")
        time.sleep(0.05)


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"


@contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    executable = shutil.which("redis-server")
    if executable is None:
        raise MissingDependency(
            "redis-server is not installed. On Debian/Ubuntu: apt-get install -y redis-server "
            "(`make test` does this by itself when run as root)."
        )
    port = free_port()
    process = subprocess.Popen(
        [executable, "--bind", LOOPBACK, "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(directory), "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(lambda: port_accepts(port), timeout=15, what="redis-server", process=process)
        yield RedisServer(port, process)
    finally:
        stop(process)


@dataclass
class AsgiServer:
    """One ASGI server process serving the project: uvicorn as production runs it (README,
    "Production"), or daphne (what `manage.py runserver` runs)."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    server: str = "uvicorn"
    app: str = "chatsite.asgi:application"
    # uvicorn only: the sans-I/O websockets implementation, no per-message compression
    # (bench/README.md has why).
    ws: str = "websockets-sansio"
    deflate: bool = False
    # daphne only. -1: never close a socket for age (its default closes after a day, with 1000).
    websocket_timeout: int = -1
    # daphne only: no access-log line per request (uvicorn never writes one here).
    quiet: bool = False

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def command(self) -> list[str]:
        if self.server == "daphne":
            arguments = (
                f"-m daphne -b {LOOPBACK} -p {self.port} --websocket_timeout "
                f"{self.websocket_timeout} --websocket-max-message-size {MAX_FRAME} "
                f"--websocket_connect_timeout 30 {'-v 0 ' if self.quiet else ''}{self.app}"
            )
        else:
            arguments = (
                f"-m uvicorn {self.app} --host {LOOPBACK} --port {self.port} --ws {self.ws} "
                f"--ws-per-message-deflate {str(self.deflate).lower()} --ws-max-size {MAX_FRAME} "
                "--lifespan off --no-access-log"
            )
        return [sys.executable, *arguments.split()]

    def start(self) -> AsgiServer:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(), cwd=PROJECT_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        wait_until(
            self.ready, timeout=30, what=f"{self.server} on port {self.port}", process=self.process
        )
        return self

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def restart(self) -> AsgiServer:
        self.stop()
        return self.start()


def manage(env: dict[str, str], *args: str) -> str:
    """Run a manage.py command against the environment's settings; return its output."""
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{completed.stderr}")
    return completed.stdout


def server_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DEBUG="0",
        SECRET_KEY="e2e-only-secret-key-not-for-production",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


# PostgreSQL: a throwaway server in a temp directory, as real as production's.
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
    port = free_port()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [bin_dir / "postgres", "-D", data, "-h", LOOPBACK, "-p", str(port),
             "-k", "", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            cwd=directory, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **drop,
        )  # fmt: skip
    try:
        admin_url = postgres_url(port, "postgres")
        try:
            wait_until(
                lambda: postgres_accepts(admin_url), timeout=30, what="postgres", process=process
            )
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}; its log:\n{_log_tail(log_path)}") from error
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


def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server `server_url` points at; return its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def postgres_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` next to the one `server_url` names; dropped afterwards."""
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)
