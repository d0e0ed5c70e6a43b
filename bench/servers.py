"""The things measured: server variants, their processes, and what those processes use."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from support.asgi import AsgiServer
from support.processes import PROJECT_DIR, port_accepts

CORE = "channels_redis.core.RedisChannelLayer"
PUBSUB = "channels_redis.pubsub.RedisPubSubChannelLayer"
LAYERS = {"core": CORE, "pubsub": PUBSUB, "-": ""}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Variant:
    """One way to serve the chat's sockets."""

    name: str
    design: str  # chat (HTTP POST, the real view) | tutorial (JSON over ws) | ceiling
    server: str  # daphne | uvicorn | ceiling
    app: str = "chatsite.asgi:application"
    layer: str = "core"
    ws: str = ""  # uvicorn's websocket implementation
    deflate: bool = False  # clients offer permessage-deflate, the server may accept it
    about: str = ""
    http: str = "chatsite.connections:HttpProtocol"  # uvicorn's HTTP implementation
    project: str = ""  # another checkout to serve (`--before`); empty: this one

    @property
    def posts_over_http(self) -> bool:
        return self.design == "chat"

    def describe(self) -> dict:
        return asdict(self)


VARIANTS = [
    Variant(
        "chat-uvicorn-sansio-pubsub",
        "chat",
        "uvicorn",
        layer="pubsub",
        ws="chatsite.connections:WebSocketProtocol",
        about="production: per-process fan-out, uvicorn (websockets-sansio, no deflate), pub/sub",
    ),
    Variant(
        "chat-uvicorn-sansio-core",
        "chat",
        "uvicorn",
        layer="core",
        ws="chatsite.connections:WebSocketProtocol",
        about="per-process fan-out, uvicorn (websockets-sansio, no deflate), core layer",
    ),
    Variant(
        "chat-uvicorn-sansio-core-deflate",
        "chat",
        "uvicorn",
        layer="core",
        ws="chatsite.connections:WebSocketProtocol",
        deflate=True,
        about="the core-layer variant with permessage-deflate negotiated",
    ),
    Variant(
        "chat-uvicorn-core",
        "chat",
        "uvicorn",
        layer="core",
        ws="websockets",
        about="per-process fan-out, uvicorn (legacy websockets implementation), core layer",
    ),
    Variant(
        "chat-daphne-core",
        "chat",
        "daphne",
        about="per-process fan-out, daphne, core layer",
    ),
    Variant(
        "chat-daphne-pubsub",
        "chat",
        "daphne",
        layer="pubsub",
        about="per-process fan-out, daphne, pub/sub layer",
    ),
    Variant(
        "persocket-daphne-core",
        "chat",
        "daphne",
        app="bench.persocket_asgi:application",
        about="before: a layer channel per socket, daphne, core layer (production until now)",
    ),
    Variant(
        "persocket-uvicorn-sansio-pubsub",
        "chat",
        "uvicorn",
        app="bench.persocket_asgi:application",
        layer="pubsub",
        ws="websockets-sansio",
        about="before, on the server and layer that suited it best",
    ),
    Variant(
        "tutorial-daphne-core",
        "tutorial",
        "daphne",
        app="bench.tutorial_asgi:application",
        about="Channels tutorial: stock consumer, core layer, JSON per client",
    ),
    Variant(
        "ceiling",
        "ceiling",
        "ceiling",
        layer="-",
        about="bare asyncio websockets + Redis pub/sub, no Django",
    ),
]
VARIANTS_BY_NAME = {variant.name: variant for variant in VARIANTS}
PRODUCTION = "chat-uvicorn-sansio-pubsub"
BEFORE = f"before-{PRODUCTION}"


def before_variant(project: Path) -> Variant:
    """Production as an older checkout (`--before DIR`) has it: its servers run in DIR."""
    variant = replace(
        VARIANTS_BY_NAME[PRODUCTION],
        name=BEFORE,
        project=str(project.resolve()),
        about=f"production as {project} ({git_describe(project)}) has it",
    )
    if not (project / "chatsite" / "connections.py").exists():  # older than the bounds
        variant = replace(variant, ws="websockets-sansio", http="httptools")
    return variant


def git_describe(project: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(project), "describe", "--always", "--dirty"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip


class BenchServer(AsgiServer):
    """An AsgiServer (support/asgi.py) for a variant: uvicorn, daphne or the ceiling."""

    def __init__(self, env: dict[str, str], variant: Variant, log_path: Path) -> None:
        project = Path(variant.project) if variant.project else PROJECT_DIR
        if variant.project:  # the older checkout's modules first, whatever the cwd
            paths = [variant.project, env.get("PYTHONPATH", "")]
            env = {**env, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
        super().__init__(
            env, log_path=log_path, server=variant.server, app=variant.app, ws=variant.ws,
            http=variant.http, deflate=variant.deflate, quiet=True, project=project,
        )  # fmt: skip
        self.variant = variant

    def command(self) -> list[str]:
        if self.variant.server != "ceiling":
            return super().command()
        arguments = f"-m bench.ceiling --port {self.port} --redis {self.env['REDIS_URL']}"
        return [sys.executable, *arguments.split()]

    def ready(self) -> bool:
        return self.accepts() if self.variant.server == "ceiling" else super().ready()

    def accepts(self) -> bool:
        return port_accepts(self.port)

    @property
    def pid(self) -> int:
        return self.process.pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads, from the kernel's accounting."""
    return sum(cpu_split(pid))


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process, all its threads; zeros once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KIB
    except OSError:
        return 0


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory_kib = int(line.split()[1])
    versions = {}
    from importlib.metadata import PackageNotFoundError, version

    for package in (
        "Django",
        "channels",
        "channels-redis",
        "redis",
        "daphne",
        "uvicorn",
        "websockets",
        "uvloop",
        "Twisted",
        "autobahn",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    commit = git_describe(PROJECT_DIR)
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "redis_server": redis_version,
        "packages": versions,
        "git_commit": commit,
    }
