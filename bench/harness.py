"""The benchmark run: processes, clients, posting, and the numbers.

One run starts redis-server once, seeds one SQLite database (users, rooms, sessions), starts
the client processes once, then for each variant starts K server processes, runs every
scenario against them, and stops them. Everything listens on loopback, every loop is
bounded in count and time, and the run stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import numpy as np
import redis as redis_sync

from bench.scenarios import IssueScenarios
from bench.servers import (
    LAYERS,
    BenchServer,
    Variant,
    cpu_seconds,
    git_describe,
    machine,
    rss_kib,
)
from bench.wsclient import Recorder, SocketSpec, WsClient, open_client, raise_fd_limit, worker_main
from support.asgi import manage, server_env
from support.processes import PROJECT_DIR
from support.redis import redis_server
from support.site import prepare_database

PASSWORD = "bench-poster-password-not-secret"
FILLER = "the quick brown fox jumps over the lazy dog while the benchmark watches"
ROOM_COUNT = 200
LATENCY_TARGET_MS = 250.0


def room_name(index: int) -> str:
    return f"bench_r{index}"


def log(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)


def loadavg() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def collect_static(env: dict[str, str], project: Path) -> None:
    """`manage.py collectstatic` of another checkout, with its modules first."""
    manage_in(env, project, "collectstatic", "--noinput")


# A session names the auth backend that signed it in, and a checkout accepts only those its
# settings list (accounts.backends came with run O). The harness seeds the sessions once,
# with this checkout's code: before each variant, that variant's own code renames them.
ADOPT_SESSIONS = """
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
store, backend = SessionStore(), settings.AUTHENTICATION_BACKENDS[0]
with transaction.atomic():
    for session in Session.objects.iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY, backend) != backend:
            data[BACKEND_SESSION_KEY] = backend
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])
"""


def adopt_sessions(env: dict[str, str], project: Path) -> None:
    manage_in(env, project, "shell", "-c", ADOPT_SESSIONS)


def manage_in(env: dict[str, str], project: Path, *args: str) -> None:
    """`manage.py ARGS` in a checkout (this one or another), with its modules first."""
    paths = [str(project), env.get("PYTHONPATH", "")]
    env = {**env, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} in {project} failed:\n{completed.stderr}")


@dataclass
class Options:
    variants: list[Variant]
    scenarios: list[str]
    servers: int = 2
    client_processes: int = 2
    messages: int = 100
    rate: float = 10.0
    rooms200_rate: float = 50.0
    idle: int = 20000
    idle_concurrency: int = 500  # connects in flight per client process (idle)
    posts_messages: int = 300  # posts: messages to a room nobody has open
    posts_rate: float = 30.0
    posts40_rate: float = 400.0  # posts40: messages/s in all, over 40 rooms x 10 sockets
    posts40_seconds: float = 10.0
    slow_seconds: float = 60.0  # slowreaders: each of its two phases
    slow_rate: float = 10.0  # slowreaders: messages/s in all, over its rooms
    slow_rooms: int = 10  # slowreaders: rooms the readers and the non-readers are spread over
    slow_sockets: int = 500  # slowreaders: readers, and as many non-readers
    attach_seconds: float = 20.0  # attach: each of its two phases
    attach_rate: float = 20.0  # attach: text messages/s in all, over its 20 rooms
    upload_rate: float = 1.0  # attach: 1 MiB image uploads/s in the second phase
    burst: int = 500
    ramp_members: int = 1000
    ramp_rates: list[float] = field(default_factory=lambda: [10, 20, 30, 40, 60, 80, 100, 130])
    step_seconds: float = 5.0
    connect_concurrency: int = 100
    out: Path = Path("bench/results")
    run_id: str = ""
    profile: bool = False  # py-spy on server 1 during each measurement (costs CPU itself)
    server_env: dict[str, str] = field(default_factory=dict)  # extra settings for the servers
    before: str = ""  # an older checkout served as the before variant (--before)

    def describe(self) -> dict:
        data = asdict(self)
        data["variants"] = [variant.name for variant in self.variants]
        data["out"] = str(self.out)
        return data


class ClientProcess:
    """A worker process (bench.wsclient.Worker) and the pipe that commands it."""

    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def call(self, command: str, argument=None, timeout: float = 120):
        self.pipe.send((command, argument))
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"client process did not answer {command} in {timeout} s")
        reply = self.pipe.recv()
        if isinstance(reply, dict) and "error" in reply:
            raise RuntimeError(f"client process failed on {command}:\n{reply['error']}")
        return reply

    @property
    def pid(self) -> int:
        return self.process.pid


class Run(IssueScenarios):
    def __init__(self, options: Options) -> None:
        self.options = options
        self.results: dict = {
            "run_id": options.run_id,
            "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "machine": machine(),
            "options": options.describe(),
            "loadavg_start": loadavg(),
            "variants": {},
        }
        if options.before:
            self.results["before"] = {
                "dir": options.before,
                "commit": git_describe(Path(options.before)),
            }
        self.seq = 0
        self.kept: dict | None = None  # sockets room1000 leaves open for the ramp
        self.clients: list[ClientProcess] = []
        self.servers: list[BenchServer] = []
        self.variant: Variant | None = None
        self.redis_url = ""
        self.redis_pid = 0
        self.poster_recorder = Recorder()
        self.ws_posters: dict[int, WsClient] = {}
        self.http: aiohttp.ClientSession | None = None
        self.csrf = ""

    # ------------------------------------------------------------------ setup
    def needed_users(self) -> int:
        options = self.options
        sizes = {
            "posts": 0,
            "idle": options.idle,
            "burst": options.burst,
            "room100": 100,
            "room1000": 1000,
            "rooms200": ROOM_COUNT * 10,
            "ramp": options.ramp_members,
            "posts40": 400,
            "slowreaders": 2 * options.slow_sockets,
            "attach": 200,
        }
        return max(sizes[name] for name in options.scenarios) + 10

    async def main(self) -> dict:
        raise_fd_limit()
        directory = Path(tempfile.mkdtemp(prefix="chat-bench-"))
        self.results["work_dir"] = str(directory)
        try:
            with redis_server(directory) as redis:
                self.redis_url = redis.url
                self.redis_pid = redis.process.pid
                self.env = server_env(
                    DATABASE_URL=f"sqlite:///{directory / 'bench.sqlite3'}",
                    REDIS_URL=redis.url,
                    STATIC_ROOT=str(directory / "static"),
                    LOG_LEVEL="INFO",
                    MEDIA_ROOT=str(directory / "media"),
                    # One poster sends every message: lift the per-user flood limits.
                    RATE_LIMIT_POST="1000000/second",
                    RATE_LIMIT_UPLOAD="1000000/second",
                    ATTACHMENT_MAX_BYTES=str(64 * 1024 * 1024),
                    RATE_LIMIT_LOGIN="1000000/second",
                    # Every client is on loopback: lift the per-address socket cap.
                    SOCKETS_PER_ADDRESS="1000000",
                )
                self.env.update(self.options.server_env)
                log("migrate, collectstatic, seed users, rooms and sessions")
                prepare_database(self.env)
                seed = {
                    "users": self.needed_users(),
                    "password": PASSWORD,
                    "rooms": [room_name(index) for index in range(ROOM_COUNT)],
                }
                output = manage(
                    {**self.env, "BENCH_SEED": json.dumps(seed)},
                    "shell",
                    "-c",
                    "from bench.seed import main; main()",
                )
                self.seeded = json.loads(output.strip().splitlines()[-1])
                context = multiprocessing.get_context("spawn")
                self.clients = [
                    ClientProcess(context) for _ in range(self.options.client_processes)
                ]
                for variant in self.options.variants:
                    await self.run_variant(variant, directory)
        finally:
            for client in self.clients:
                with contextlib.suppress(Exception):
                    client.call("exit", timeout=15)
                client.process.join(5)
                if client.process.is_alive():
                    client.process.kill()
            self.results["loadavg_end"] = loadavg()
            self.results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
            if not os.environ.get("BENCH_KEEP"):
                shutil.rmtree(directory, ignore_errors=True)
        return self.results

    async def run_variant(self, variant: Variant, directory: Path) -> None:
        log(f"=== {variant.name}: {variant.about}")
        self.variant = variant
        record: dict = {"variant": variant.describe(), "scenarios": {}, "loadavg_start": loadavg()}
        self.results["variants"][variant.name] = record
        redis_sync.Redis.from_url(self.redis_url).flushall()
        env = {**self.env, "CHANNEL_LAYER_BACKEND": LAYERS[variant.layer]}
        if variant.project:
            env["STATIC_ROOT"] = str(directory / "static-before")
        self.servers = []
        self.ws_posters = {}
        try:
            if variant.project:  # its own static files: hashed names of its own files
                collect_static(env, Path(variant.project))
            adopt_sessions(env, Path(variant.project) if variant.project else PROJECT_DIR)
            for number in range(self.options.servers):
                log_path = directory / f"{variant.name}-{number}.log"
                self.servers.append(BenchServer(env, variant, log_path).start())
            self.check_layer()
            async with aiohttp.ClientSession(
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                connector=aiohttp.TCPConnector(limit=256),
                timeout=aiohttp.ClientTimeout(total=30),
            ) as http:
                self.http = http
                if variant.posts_over_http:
                    await self.login()
                await self.warm_up()
                for scenario in self.options.scenarios:
                    log(f"--- {variant.name} / {scenario}")
                    started = loadavg()
                    quiet_after = await self.quiesce()
                    try:
                        result = await getattr(self, f"scenario_{scenario}")()
                    except Exception as error:  # noqa: BLE001 - record it, go on with the next
                        log(f"!!! {variant.name} / {scenario} failed: {error!r}")
                        result = {"error": f"{type(error).__name__}: {error}"}
                        self.kept = None
                        await self.close_clients()
                    result["quiesce_seconds"] = quiet_after
                    result["loadavg_start"] = started
                    result["loadavg_end"] = loadavg()
                    record["scenarios"][scenario] = result
                    self.print_result(scenario, result)
                for poster in self.ws_posters.values():
                    poster.close()
        except Exception as error:  # noqa: BLE001 - a variant that cannot start is reported
            log(f"!!! {variant.name} failed: {error!r}")
            record["error"] = f"{type(error).__name__}: {error}"
        finally:
            record["server_errors"] = self.server_errors()
            for server in self.servers:
                server.stop()
            record["loadavg_end"] = loadavg()

    async def quiesce(self, limit: float = 180) -> float:
        """Wait until the servers are idle (under 0.1 core for a second): closing the
        previous scenario's sockets can keep them busy (presence lists on every leave)."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            before = sum(cpu_seconds(server.pid) for server in self.servers)
            await asyncio.sleep(1)
            if sum(cpu_seconds(server.pid) for server in self.servers) - before < 0.1:
                break
        waited = round(time.monotonic() - started, 1)
        if waited > 2:
            log(f"    waited {waited} s for the servers to go idle")
        return waited

    def check_layer(self) -> None:
        """The servers must really run the layer asked for (chatsite/settings/live.py reads it)."""
        if self.variant.server == "ceiling":
            return
        wanted = LAYERS[self.variant.layer]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if all(f"Channel layer: Redis ({wanted})" in s.log_text() for s in self.servers):
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"servers do not report channel layer {wanted}: is CHANNEL_LAYER_BACKEND read?"
        )

    def server_errors(self) -> dict:
        errors = {}
        for server in self.servers:
            text = server.log_text()
            found = {
                "tracebacks": text.count("Traceback"),
                "too_many_connections": len(re.findall(r"Too many connections", text)),
            }
            # The last line of each traceback: "SomeError: what happened".
            kinds: dict[str, int] = {}
            for line in re.findall(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*$", text, re.M):
                kinds[line[:160]] = kinds.get(line[:160], 0) + 1
            found["errors"] = dict(sorted(kinds.items(), key=lambda item: -item[1])[:8])
            errors[str(server.port)] = found
        return errors

    async def login(self) -> None:
        """Log the poster in through the real form, as a browser does."""
        base = self.servers[0].url
        async with self.http.get(f"{base}/accounts/login/") as response:
            page = await response.text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        form = {
            "username": self.seeded["poster"],
            "password": PASSWORD,
            "csrfmiddlewaretoken": token,
        }
        async with self.http.post(
            f"{base}/accounts/login/", data=form, allow_redirects=False
        ) as response:
            if response.status != 302:
                raise RuntimeError(f"login answered {response.status}")
        cookies = {cookie.key: cookie.value for cookie in self.http.cookie_jar}
        if "sessionid" not in cookies:
            raise RuntimeError("login set no session cookie")
        self.csrf = cookies["csrftoken"]

    async def warm_up(self) -> None:
        """First requests import and compile: keep that out of every measurement."""
        specs = self.spread(list(range(4)), members=2 * len(self.servers), first_user=0)
        await self.connect(specs, "warm-up", quiet=True)
        await self.measure([0, 1, 2, 3], rate=10, count=8, label="warm-up", quiet=True)
        await self.close_clients()

    # ------------------------------------------------------------------ sockets
    def spread(self, rooms: list[int], members: int, first_user: int = 0) -> list[SocketSpec]:
        """`members` sockets per room, each its own user's session, round-robin over servers."""
        specs = []
        sessions = self.seeded["sessions"]
        for index in range(len(rooms) * members):
            room = rooms[index // members]
            server = self.servers[index % len(self.servers)]
            session = sessions[(first_user + index) % len(sessions)]
            specs.append(
                SocketSpec(
                    port=server.port,
                    path=f"/ws/chat/{room_name(room)}/",
                    cookie=f"sessionid={session}",
                    room=room,
                    deflate=self.variant.deflate,
                )
            )
        return specs

    async def call_all(self, command: str, argument=None, wait: float = 120) -> list:
        return await asyncio.gather(
            *(asyncio.to_thread(client.call, command, argument, wait) for client in self.clients)
        )

    async def connect(
        self, specs: list[SocketSpec], label: str, *, concurrency: int = 0, quiet: bool = False
    ) -> dict:
        """Open the sockets across the client processes; wait (bounded) until all settle.
        `concurrency`: connects in flight in all, shared by the client processes."""
        concurrency = concurrency or self.options.connect_concurrency
        count = len(self.clients)
        shares = [specs[number::count] for number in range(count)]
        started = time.monotonic()
        clients_cpu = sum(cpu_seconds(client.pid) for client in self.clients)
        per_process = max(1, concurrency // count)
        await asyncio.gather(
            *(
                asyncio.to_thread(
                    client.call, "connect", {"specs": share, "concurrency": per_process}
                )
                for client, share in zip(self.clients, shares, strict=True)
            )
        )
        # At least 50 connects/s, or it gives up (20 000 sockets: 400 s).
        deadline = started + max(180, len(specs) / 50)
        last_print = 0.0
        while True:
            await asyncio.sleep(0.25)
            statuses = await self.call_all("status")
            failed = sum(status["failed"] for status in statuses)
            pending = sum(status["connecting"] for status in statuses)
            opened = len(specs) - pending - failed
            now = time.monotonic()
            if not quiet and now - last_print > 2:
                log(f"    {label}: connected {opened}/{len(specs)}, failed {failed}")
                last_print = now
            if pending == 0 or now > deadline:
                break
        connected_at = time.monotonic()
        clients_cpu = sum(cpu_seconds(client.pid) for client in self.clients) - clients_cpu
        settle = await self.settle(label, quiet)
        statuses = await self.call_all("status")
        closed: dict[str, int] = {}
        for status in statuses:
            for code, number in status["closed"].items():
                closed[str(code)] = closed.get(str(code), 0) + number
        summary = {
            "sockets": len(specs),
            "open": sum(status["open"] + status["nonreaders"]["open"] for status in statuses),
            "failed": sum(status["failed"] for status in statuses),
            "closed_by_server": closed,
            "deflate_negotiated": sum(status["deflate"] for status in statuses),
            "seconds": round(connected_at - started, 2),
            "errors": [error for status in statuses for error in status["errors"]][:5],
        }
        summary["per_second"] = round(summary["open"] / max(summary["seconds"], 1e-3), 1)
        # From the first connect started to the last handshake done, in any client process.
        firsts = [status["first_start_ns"] for status in statuses if status["first_start_ns"]]
        lasts = [status["last_open_ns"] for status in statuses if status["last_open_ns"]]
        if firsts and lasts:
            window = max((max(lasts) - min(firsts)) / 1e9, 1e-3)
            summary["open_seconds"] = round(window, 2)
            summary["connects_per_second"] = round(summary["open"] / window, 1)
        summary["in_flight_per_client"] = per_process
        # Whether the clients could have held the rate back (1 core each at most).
        summary["client_cpu_seconds"] = round(clients_cpu, 2)
        summary |= settle
        if not quiet:
            log(
                f"    {label}: {summary['open']} open, {summary['failed']} failed, "
                f"{closed or 'none'} closed, in {summary['seconds']} s; "
                f"{summary['frames_on_join']} frames on join, settled in "
                f"{summary['settle_seconds']} s"
            )
        return summary

    async def settle(self, label: str, quiet: bool) -> dict:
        """Wait until the sockets stop receiving (at most 180 s). Joining may make the
        servers send frames to the room (presence lists): those are counted here, apart
        from the measurement, which starts only once they are all delivered."""
        await self.call_all("reset", (self.seq, self.seq))
        started = time.monotonic()
        last, last_change, last_print = (-1, -1), started, started
        frames = (0, 0)
        while time.monotonic() - started < 180:
            await asyncio.sleep(0.5)
            replies = await self.call_all("frames")
            frames = (sum(reply[0] for reply in replies), sum(reply[1] for reply in replies))
            now = time.monotonic()
            if frames != last:
                last, last_change = frames, now
            elif now - last_change >= 1.5:
                break
            if not quiet and now - last_print > 5:
                log(f"    {label}: settling, {frames[0]} frames ({frames[1] >> 20} MiB) on join")
                last_print = now
        return {
            "frames_on_join": frames[0],
            "bytes_on_join": frames[1],
            "settle_seconds": round(max(last_change - started, 0), 1),
        }

    async def close_clients(self) -> None:
        await self.call_all("close")
        await asyncio.sleep(0.5)

    # ------------------------------------------------------------------ posting
    def body(self, seq: int, room: int) -> str:
        return f"tkn{seq}r{room}x {FILLER}"

    def messages_url(self, server: BenchServer, room: int) -> str:
        """Where a message (the composer's form) is posted."""
        return f"{server.url}/chat/{room_name(room)}/messages/"

    async def post(self, seq: int, room: int, server_index: int) -> tuple[int, int, str]:
        """Send one message; return (seq, start ns, error or "")."""
        server = self.servers[server_index]
        body = self.body(seq, room)
        if self.variant.posts_over_http:
            url = self.messages_url(server, room)
            headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
            started = time.monotonic_ns()
            try:
                async with self.http.post(url, data={"body": body}, headers=headers) as response:
                    text = await response.text()
                    if response.status != 200 or f"tkn{seq}r" not in text:
                        return seq, started, f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as error:
                return seq, started, f"{type(error).__name__}: {error}"
            return seq, started, ""
        poster = await self.ws_poster(room)
        payload = json.dumps({"message": body}) if self.variant.design == "tutorial" else body
        started = time.monotonic_ns()
        poster.send_text(payload)
        return seq, started, ""

    async def ws_poster(self, room: int) -> WsClient:
        """Tutorial and ceiling take messages over a websocket: one sender socket per room."""
        poster = self.ws_posters.get(room)
        if poster is None:
            server = self.servers[room % len(self.servers)]
            kind = "post" if self.variant.design == "ceiling" else "chat"
            poster = WsClient(
                self.poster_recorder,
                port=server.port,
                path=f"/ws/{kind}/{room_name(room)}/",
                cookie=f"sessionid={self.seeded['sessions'][-1]}",
                room=-1,
            )
            await open_client(poster, 30)
            self.ws_posters[room] = poster
        return poster

    async def measure(
        self, rooms: list[int], *, rate: float, count: int, label: str, quiet: bool = False
    ) -> dict:
        """Post `count` messages at `rate` (open loop, spread over rooms and servers) to the
        sockets already open, wait until every frame arrived (bounded), and measure."""
        base = self.seq
        self.seq += count
        await self.call_all("reset", (base, base + count))
        for poster in self.ws_posters.values():
            poster.reset(base, base + count)
        self.poster_recorder = Recorder()
        for poster in self.ws_posters.values():
            poster.recorder = self.poster_recorder
        if not self.variant.posts_over_http:
            for room in sorted(set(rooms)):
                await self.ws_poster(room)
        sockets_per_room: dict[int, int] = {}
        for reply in await self.call_all("rooms"):
            for room, number in reply.items():
                sockets_per_room[room] = sockets_per_room.get(room, 0) + number
        sockets = sum(sockets_per_room.values())
        profiler = None if quiet else self.start_profiler(label, count / rate + 3)
        before = self.snapshot()
        tasks = []
        started = time.monotonic()
        last_print = started
        for number in range(count):
            target = started + number / rate
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            seq = base + number
            room = rooms[number % len(rooms)]
            tasks.append(asyncio.create_task(self.post(seq, room, number % len(self.servers))))
            if not quiet and time.monotonic() - last_print > 2:
                done = sum(task.done() for task in tasks)
                log(f"    {label}: sent {number + 1}/{count} ({done} answered)")
                last_print = time.monotonic()
        send_seconds = time.monotonic() - started
        done, pending = await asyncio.wait(tasks, timeout=60)
        answered_seconds = time.monotonic() - started
        for task in pending:
            task.cancel()
        posts = [task.result() for task in done]
        errors = [error for _, _, error in posts if error] + ["timeout"] * len(pending)
        starts = {seq: start for seq, start, error in posts if not error}
        # Expected frames: each room's open sockets times the messages posted to it.
        posted_per_room: dict[int, int] = {}
        for number in range(count):
            if base + number in starts:
                room = rooms[number % len(rooms)]
                posted_per_room[room] = posted_per_room.get(room, 0) + 1
        expected = sum(
            sockets_per_room.get(room, 0) * posted for room, posted in posted_per_room.items()
        )
        # Drain: until every expected frame arrived, or no progress for 10 s (at most 60 s).
        drain_started = time.monotonic()
        received, last_received, last_change = 0, -1, time.monotonic()
        while time.monotonic() - drain_started < 60:
            received = sum(await self.call_all("progress"))
            if received >= expected:
                break
            if received != last_received:
                last_received, last_change = received, time.monotonic()
            elif time.monotonic() - last_change > 10:
                break
            await asyncio.sleep(0.2)
        after = self.snapshot()
        collected = await self.call_all("collect", None, 300)
        profile = await self.finish_profiler(profiler)
        # Achieved: posts answered 200, from the first sent to the last answered.
        achieved = {"posts_per_second": round(len(starts) / max(answered_seconds, 1e-9), 1)}
        return (
            profile
            | achieved
            | self.summarize(
                label,
                rooms,
                count,
                rate,
                sockets,
                expected,
                starts,
                errors,
                collected,
                before,
                after,
                send_seconds,
            )
        )

    def start_profiler(self, label: str, seconds: float):
        """py-spy (sampling, not pausing the server) on server 1 for the posting phase."""
        if not self.options.profile:
            return None
        name = re.sub(r"[^a-z0-9]+", "-", f"{self.variant.name} {label}".lower()).strip("-")
        path = self.options.out / f"{self.options.run_id}-{name}.folded"
        self.options.out.mkdir(parents=True, exist_ok=True)
        command = [
            str(Path(sys.executable).with_name("py-spy")), "record", "--pid",
            str(self.servers[0].pid), "--format", "raw", "--output", str(path),
            "--duration", str(max(int(seconds), 2)), "--rate", "250", "--nonblocking",
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return process, path

    async def finish_profiler(self, profiler) -> dict:
        if profiler is None:
            return {}
        process, path = profiler
        try:
            await asyncio.to_thread(process.wait, 60)
        except subprocess.TimeoutExpired:
            process.kill()
        return {"profile": summarize_profile(path)}

    def snapshot(self) -> dict:
        stats = redis_sync.Redis.from_url(self.redis_url).info("stats")
        return {
            "time": time.monotonic(),
            "server_cpu": sum(cpu_seconds(server.pid) for server in self.servers),
            "client_cpu": sum(cpu_seconds(client.pid) for client in self.clients),
            "poster_cpu": cpu_seconds(os.getpid()),
            "redis_cpu": cpu_seconds(self.redis_pid),
            "redis_commands": stats["total_commands_processed"],
        }

    def summarize(
        self,
        label,
        rooms,
        count,
        rate,
        sockets,
        expected,
        starts,
        errors,
        collected,
        before,
        after,
        send_seconds,
    ) -> dict:
        latencies = []
        first_start = min(starts.values()) if starts else 0
        last_receipt = first_start
        distinct = 0
        for reply in collected:
            for seq_key, raw in reply["receipts"].items():
                times = np.frombuffer(raw, dtype=np.int64)
                start = starts.get(int(seq_key))
                if start is None or times.size == 0:
                    continue
                latencies.append((times - start) / 1e6)
                last_receipt = max(last_receipt, int(times.max()))
            distinct += sum(number for _room, number in reply["per_socket"])
        latency = np.concatenate(latencies) if latencies else np.zeros(0)
        frames = int(latency.size)
        window = max((last_receipt - first_start) / 1e9, 1e-9)
        # Frames the servers wrote: the members' plus, for designs that post over a
        # socket that is itself in the room (tutorial), the sender's own copies.
        server_frames = frames + (
            self.poster_recorder.frames if self.variant.design == "tutorial" else 0
        )
        spent = {key: after[key] - before[key] for key in after}
        result = {
            "label": label,
            "rooms": len(set(rooms)),
            "sockets": sockets,
            "messages": count,
            "rate": rate,
            "posted": len(starts),
            "post_errors": len(errors),
            "post_error_examples": sorted(set(errors))[:3],
            "send_seconds": round(send_seconds, 2),
            "expected_frames": expected,
            "delivered_frames": frames,
            "lost_frames": max(expected - distinct, 0),
            "duplicates": sum(reply["duplicates"] for reply in collected),
            "foreign": sum(reply["foreign"] for reply in collected),
            "untagged": sum(reply["untagged"] for reply in collected),
            "stale": sum(reply["stale"] for reply in collected),
            "mean_frame_bytes": round(
                sum(reply["payload_bytes"] for reply in collected)
                / max(sum(reply["frames"] for reply in collected), 1)
            ),
            "frames_per_second": round(frames / window),
            "offered_frames_per_second": round(rate * expected / max(len(starts), 1)),
            "window_seconds": round(window, 2),
            "server_cpu_seconds": round(spent["server_cpu"], 2),
            "server_cpu_us_per_frame": round(spent["server_cpu"] / max(server_frames, 1) * 1e6, 1),
            "server_cpu_ms_per_message": round(spent["server_cpu"] / max(len(starts), 1) * 1e3, 2),
            "client_cpu_us_per_frame": round(spent["client_cpu"] / max(frames, 1) * 1e6, 1),
            "poster_cpu_seconds": round(spent["poster_cpu"], 2),
            "redis_cpu_us_per_frame": round(spent["redis_cpu"] / max(frames, 1) * 1e6, 1),
            "redis_commands_per_message": round(spent["redis_commands"] / max(len(starts), 1), 1),
            "server_cpu_share": round(spent["server_cpu"] / max(spent["time"], 1e-9), 2),
            "client_cpu_share": round(spent["client_cpu"] / max(spent["time"], 1e-9), 2),
        }
        if frames:
            p50, p95, p99 = np.percentile(latency, [50, 95, 99])
            result |= {
                "p50_ms": round(float(p50), 1),
                "p95_ms": round(float(p95), 1),
                "p99_ms": round(float(p99), 1),
                "max_ms": round(float(latency.max()), 1),
            }
            result["latency_sample_ms"] = [
                round(float(value), 2) for value in np.percentile(latency, np.linspace(0, 100, 201))
            ]
        return result

    # ------------------------------------------------------------------ scenarios
    async def room_scenario(
        self, rooms: list[int], members: int, rate: float, count: int, label: str
    ) -> dict:
        connected = await self.connect(self.spread(rooms, members), label)
        try:
            result = await self.measure(rooms, rate=rate, count=count, label=label)
        finally:
            await self.close_clients()
        result["connect"] = connected
        return result

    async def scenario_posts(self) -> dict:
        """Messages to a room nobody has open: what one post costs the servers by itself
        (`server_cpu_ms_per_message`: the servers' CPU while posting / posts answered 200)."""
        options = self.options
        return await self.measure(
            [4], rate=options.posts_rate, count=options.posts_messages, label="posts"
        )

    async def scenario_room100(self) -> dict:
        options = self.options
        return await self.room_scenario([0], 100, options.rate, options.messages, "1 room x 100")

    async def scenario_room1000(self) -> dict:
        options = self.options
        if "ramp" not in options.scenarios or options.ramp_members != 1000:
            return await self.room_scenario(
                [1], 1000, options.rate, options.messages, "1 room x 1000"
            )
        # The ramp measures the same room: keep its sockets (joining 1000 is the slow part).
        connected = await self.connect(self.spread([1], 1000), "1 room x 1000")
        self.kept = connected
        result = await self.measure(
            [1], rate=options.rate, count=options.messages, label="1 room x 1000"
        )
        result["connect"] = connected
        return result

    async def scenario_rooms200(self) -> dict:
        options = self.options
        count = int(options.rooms200_rate * options.messages / options.rate)
        rooms = list(range(ROOM_COUNT))
        return await self.room_scenario(rooms, 10, options.rooms200_rate, count, "200 rooms x 10")

    async def scenario_idle(self) -> dict:
        """RSS per idle socket: servers' RSS with N idle sockets minus their RSS before."""
        options = self.options
        # 100 sockets a room (5 000: 50 rooms, as before; 20 000: 200), so that presence
        # lists stay the size they were.
        rooms = list(range(min(max(50, options.idle // 100), ROOM_COUNT)))
        members = max(1, options.idle // len(rooms))
        await asyncio.sleep(1)
        baseline = [rss_kib(server.pid) for server in self.servers]
        connected = await self.connect(
            self.spread(rooms, members),
            f"idle {options.idle}",
            concurrency=options.idle_concurrency * len(self.clients),
        )
        await asyncio.sleep(5)
        loaded = [rss_kib(server.pid) for server in self.servers]
        client_rss = sum(rss_kib(client.pid) for client in self.clients)
        await self.close_clients()
        opened = max(connected["open"], 1)
        return {
            "rooms": len(rooms),
            "sockets": connected["open"],
            "connect": connected,
            "server_rss_baseline_kib": baseline,
            "server_rss_loaded_kib": loaded,
            "rss_kib_per_idle_socket": round((sum(loaded) - sum(baseline)) / opened, 1),
            "client_rss_kib": client_rss,
        }

    async def scenario_burst(self) -> dict:
        """Many sockets opening at once on one process (a restart's reconnect storm):
        redis-py 8 caps a pool at 100 connections and raises instead of waiting."""
        count = self.options.burst
        server = self.servers[0]
        before = server.log_text().count("Too many connections")
        specs = [
            SocketSpec(
                port=server.port,
                path=f"/ws/chat/{room_name(2)}/",
                room=2,
                cookie=f"sessionid={self.seeded['sessions'][index]}",
                deflate=self.variant.deflate,
            )
            for index in range(count)
        ]
        connected = await self.connect(specs, f"burst {count}", concurrency=count)
        await asyncio.sleep(1)
        await self.close_clients()
        await asyncio.sleep(1)
        return {
            "sockets": count,
            "connect": connected,
            "server_too_many_connections": server.log_text().count("Too many connections") - before,
        }

    async def scenario_ramp(self) -> dict:
        """One room of N members; raise the message rate until p99 passes 250 ms."""
        options = self.options
        members = options.ramp_members
        room = 3
        if self.kept is not None:
            connected, self.kept, room = self.kept, None, 1
        else:
            connected = await self.connect(self.spread([room], members), f"ramp {members}")
        steps = []
        try:
            for rate in options.ramp_rates:
                count = max(int(rate * options.step_seconds), 5)
                step = await self.measure([room], rate=rate, count=count, label=f"ramp {rate:g}/s")
                step.pop("latency_sample_ms", None)
                steps.append(step)
                log(
                    f"    ramp {rate:g} msg/s: {step['frames_per_second']} frames/s, "
                    f"p99 {step.get('p99_ms')} ms, lost {step['lost_frames']}"
                )
                if (
                    step.get("p99_ms", 1e9) > LATENCY_TARGET_MS
                    or step["lost_frames"]
                    or step["post_errors"]
                ):
                    break
                await asyncio.sleep(1)
        finally:
            await self.close_clients()
        passing = [
            step
            for step in steps
            if step.get("p99_ms", 1e9) <= LATENCY_TARGET_MS
            and not step["lost_frames"]
            and not step["post_errors"]
        ]
        best = max(passing, key=lambda step: step["frames_per_second"], default=None)
        return {
            "members": members,
            "connect": connected,
            "steps": steps,
            "max_frames_per_second_p99_ok": best["frames_per_second"] if best else 0,
            "server_cpu_us_per_frame_at_max": best["server_cpu_us_per_frame"] if best else None,
            "passed_threshold": len(passing) < len(steps),
        }

    # ------------------------------------------------------------------ output
    def print_result(self, scenario: str, result: dict) -> None:
        if "error" in result:
            return
        if "summary" in result:  # bench/scenarios.py's scenarios say it themselves
            log(f"    {scenario}: {result['summary']}")
        elif scenario == "idle":
            log(
                f"    idle: {result['rss_kib_per_idle_socket']} KiB per socket "
                f"({result['sockets']} sockets, "
                f"{result['connect'].get('connects_per_second')} connects/s, "
                f"{result['connect']['failed']} failed)"
            )
        elif scenario == "burst":
            log(
                f"    burst: {result['connect']['open']} open, {result['connect']['failed']} "
                f"failed, {result['server_too_many_connections']} 'Too many connections'"
            )
        elif scenario == "ramp":
            log(f"    ramp: {result['max_frames_per_second_p99_ok']} frames/s at p99 <= 250 ms")
        elif scenario == "posts":
            log(
                f"    posts: {result['server_cpu_ms_per_message']} ms server CPU per post, "
                f"{result['posted']} posted at {result['posts_per_second']}/s, "
                f"{result['post_errors']} not 200"
            )
        else:
            log(
                f"    {result['label']}: p50 {result.get('p50_ms')} p99 {result.get('p99_ms')} "
                f"max {result.get('max_ms')} ms, {result['frames_per_second']} frames/s, "
                f"lost {result['lost_frames']}, "
                f"server {result['server_cpu_us_per_frame']} us/frame, "
                f"clients {result['client_cpu_us_per_frame']} us/frame"
            )


def short_frame(frame: str) -> str:
    """py-spy's "name (path/to/file.py:12)" as "name (file.py)", so lines add up."""
    name, _, where = frame.partition(" (")
    if not where:
        return frame
    return f"{name} ({where.split(':')[0].rsplit('/', 1)[-1]})"


def summarize_profile(path: Path, top: int = 25) -> dict:
    """Where server 1 spent its samples: by innermost function (self) and by any frame
    on the stack (inclusive), from py-spy's folded stacks."""
    if not path.exists():
        return {"file": str(path), "error": "py-spy wrote nothing"}
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [short_frame(frame) for frame in stack.split(";")]
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count

    def ranked(table: dict[str, int]) -> list[tuple[str, float]]:
        best = sorted(table.items(), key=lambda item: -item[1])[:top]
        return [(name, round(100 * count / max(total, 1), 1)) for name, count in best]

    return {"file": str(path), "samples": total, "self_pct": ranked(own),
            "inclusive_pct": ranked(inclusive)}  # fmt: skip
