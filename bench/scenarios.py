"""Issue 17's scenarios: posts into 40 rooms, readers beside sockets that never read, and
1 MiB image uploads beside live rooms.

A mixin of `bench.harness.Run`: it uses the run's sockets (`connect`, `spread`), its open-
loop posting (`measure`), its accounting (`snapshot`), its servers and its logged-in poster.
Each scenario returns its figures and a `summary` line; bench/report.py tabulates them.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import aiohttp
import numpy as np

from bench.servers import rss_kib
from bench.slow_server import queued_kib

if TYPE_CHECKING:
    from bench.harness import Run

# Of the run's 200 rooms (scenarios run one at a time, each closing its sockets after).
ROOMS40 = list(range(100, 140))
SLOW_ROOMS = list(range(140, 190))  # the first --slow-rooms of them
ATTACH_ROOMS = list(range(150, 170))
UPLOAD_ROOM = 199  # nobody has it open: its uploads cost the servers, not the clients
# A non-reader's kernel receive buffer: the server's sends fill it at once.
NONREADER_RCVBUF = 4096
IMAGE_BYTES = 1024 * 1024
# A phase whose readers' p99 is within this of the control phase's is "not hurt".
P99_TOLERANCE = 1.2


def noise_png(size: int = IMAGE_BYTES) -> bytes:
    """A PNG of random pixels, about `size` bytes: noise does not compress, so the server
    receives, stores and decodes every byte of it."""
    from PIL import Image

    side = int((size / 3) ** 0.5)
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    p50, p99 = np.percentile(values, [50, 99])
    return {"p50_ms": round(float(p50), 1), "p99_ms": round(float(p99), 1),
            "max_ms": round(max(values), 1)}  # fmt: skip


def p99_ratio(loaded: dict, control: dict) -> float | None:
    if not loaded.get("p99_ms") or not control.get("p99_ms"):
        return None
    return round(loaded["p99_ms"] / control["p99_ms"], 2)


class IssueScenarios:
    """posts40, slowreaders and attach (bench/README.md, "Scenarios")."""

    image: bytes = b""

    # ------------------------------------------------------------------ posts40
    async def scenario_posts40(self: Run) -> dict:
        """40 rooms x 10 open sockets, posts round-robin over the rooms at a fixed rate."""
        options = self.options
        count = max(int(options.posts40_rate * options.posts40_seconds), 1)
        result = await self.room_scenario(ROOMS40, 10, options.posts40_rate, count, "40 x 10")
        result["summary"] = (
            f"{result['posts_per_second']} posts/s answered (offered {options.posts40_rate:g}), "
            f"{result['post_errors']} not 200, {result['server_cpu_ms_per_message']} ms "
            f"server CPU per post (10 frames each), p50 {result.get('p50_ms')} p99 "
            f"{result.get('p99_ms')} max {result.get('max_ms')} ms, lost {result['lost_frames']}"
        )
        return result

    # ------------------------------------------------------------------ slowreaders
    async def scenario_slowreaders(self: Run) -> dict:
        """`slow_sockets` readers in `slow_rooms` rooms posted to at `slow_rate` in all; then
        the same beside as many sockets that never read (handshake, then no read, 4 KiB
        receive buffer), as many in each room."""
        options = self.options
        rooms = SLOW_ROOMS[: max(1, min(options.slow_rooms, len(SLOW_ROOMS)))]
        members = max(1, options.slow_sockets // len(rooms))
        count = max(int(options.slow_rate * options.slow_seconds), 1)
        readers = self.spread(rooms, members)
        nonreaders = [
            replace(spec, reads=False, rcvbuf=NONREADER_RCVBUF)
            for spec in self.spread(rooms, members, first_user=len(readers))
        ]
        try:
            connected = await self.connect(readers, "slowreaders: readers")
            control = await self.sampled(rooms, options.slow_rate, count, "slow: control")
            behind = self.log_count("fell behind")
            connected_slow = await self.connect(nonreaders, "slowreaders: non-readers")
            loaded = await self.sampled(rooms, options.slow_rate, count, "slow: loaded")
            fell_behind = self.log_count("fell behind") - behind
            # Let them read now: what the server did to them (3012 close, reset) shows.
            ended = await self.call_all("resume", 5.0, 60)
        finally:
            await self.close_clients()
        closed: dict[str, int] = {}
        for reply in ended:
            for code, number in reply["closed"].items():
                closed[str(code)] = closed.get(str(code), 0) + number
        ratio = p99_ratio(loaded, control)
        result = {
            "rooms": len(rooms),
            "rate": options.slow_rate,
            "seconds": options.slow_seconds,
            "connect": connected,
            "connect_nonreaders": connected_slow,
            "control": control,
            "loaded": loaded,
            "p99_ratio": ratio,
            "nonreaders": len(nonreaders),
            "nonreaders_fell_behind_logged": fell_behind,
            "nonreaders_closed": closed,
            "nonreaders_still_open": sum(reply["open"] for reply in ended),
        }
        result["summary"] = (
            f"readers p50/p99 {control.get('p50_ms')}/{control.get('p99_ms')} ms alone, "
            f"{loaded.get('p50_ms')}/{loaded.get('p99_ms')} ms beside {len(nonreaders)} "
            f"non-readers ({ratio}x); server RSS growth {control['server_rss_growth_kib']} / "
            f"{loaded['server_rss_growth_kib']} KiB; non-readers: {fell_behind} 'fell behind' "
            f"logged, closed {closed or 'none'}, {result['nonreaders_still_open']} still open; "
            f"lost {control['lost_frames']} / {loaded['lost_frames']}"
        )
        return result

    async def sampled(self: Run, rooms: list[int], rate: float, count: int, label: str) -> dict:
        """`measure`, sampling the servers' RSS and their sockets' kernel send queues."""
        rss = [self.servers_rss()]
        queued = [self.servers_queued()]
        done = asyncio.Event()

        async def sample() -> None:
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), 0.5)
                rss.append(self.servers_rss())
                queued.append(self.servers_queued())

        sampler = asyncio.create_task(sample())
        try:
            result = await self.measure(rooms, rate=rate, count=count, label=label)
        finally:
            done.set()
            await sampler
        result["server_rss_kib"] = {"start": rss[0], "peak": max(rss), "end": rss[-1]}
        result["server_rss_growth_kib"] = max(rss) - rss[0]
        result["kernel_send_queue_peak_kib"] = max(queued)
        return result

    def servers_rss(self: Run) -> int:
        return sum(rss_kib(server.pid) for server in self.servers)

    def servers_queued(self: Run) -> int:
        return sum(queued_kib(server.port) for server in self.servers)

    def log_count(self: Run, needle: str) -> int:
        return sum(server.log_text().count(needle) for server in self.servers)

    # ------------------------------------------------------------------ attach
    async def scenario_attach(self: Run) -> dict:
        """20 rooms x 10 readers at `attach_rate`; then the same while 1 MiB images are
        uploaded to another room at `upload_rate`."""
        options = self.options
        if not self.variant.posts_over_http:
            reason = "skipped: this variant takes no files (messages come over a socket)"
            return {"skipped": True, "summary": reason}
        if not self.image:
            self.image = noise_png()
        count = max(int(options.attach_rate * options.attach_seconds), 1)
        try:
            connected = await self.connect(self.spread(ATTACH_ROOMS, 10), "attach: readers")
            start = self.snapshot()
            control = await self.measure(
                ATTACH_ROOMS, rate=options.attach_rate, count=count, label="attach: control"
            )
            middle = self.snapshot()
            await self.quiesce(30)
            loaded_start = self.snapshot()
            uploads_done = self.uploads(options.upload_rate, options.attach_seconds)
            uploading = asyncio.create_task(uploads_done)
            loaded = await self.measure(
                ATTACH_ROOMS, rate=options.attach_rate, count=count, label="attach: uploads"
            )
            uploads = await uploading
            end = self.snapshot()
        finally:
            await self.close_clients()
        # The upload phase's server CPU beyond what the control phase used in as long.
        control_share = (middle["server_cpu"] - start["server_cpu"]) / (
            middle["time"] - start["time"]
        )
        loaded_seconds = end["time"] - loaded_start["time"]
        extra = end["server_cpu"] - loaded_start["server_cpu"] - control_share * loaded_seconds
        good = [seconds * 1e3 for seconds, error in uploads if not error]
        errors = sorted({error for _seconds, error in uploads if error})
        ratio = p99_ratio(loaded, control)
        loaded_share = (end["server_cpu"] - loaded_start["server_cpu"]) / loaded_seconds
        result = {
            "connect": connected,
            "control": control,
            "loaded": loaded,
            "p99_ratio": ratio,
            "image_bytes": len(self.image),
            "uploads": len(uploads),
            "upload_errors": len(uploads) - len(good),
            "upload_error_examples": errors[:3],
            "upload": percentiles(good),
            "server_cpu_ms_per_upload": round(extra / max(len(good), 1) * 1e3, 1),
            "server_cpu_share": {
                "control": round(control_share, 2),
                "uploads": round(loaded_share, 2),
            },
        }
        upload = result["upload"]
        result["summary"] = (
            f"{len(good)} of {len(uploads)} uploads of {len(self.image) >> 10} KiB, time "
            f"p50/p99 {upload.get('p50_ms')}/{upload.get('p99_ms')} ms, server CPU "
            f"{result['server_cpu_ms_per_upload']} ms each; readers p99 "
            f"{control.get('p99_ms')} ms without, {loaded.get('p99_ms')} ms with ({ratio}x); "
            f"lost {control['lost_frames']} / {loaded['lost_frames']}"
        )
        return result

    async def uploads(self: Run, rate: float, seconds: float) -> list[tuple[float, str]]:
        """Post one image every 1/rate s for `seconds` (open loop); (seconds, error) each."""
        started = time.monotonic()
        tasks = []
        for number in range(max(int(rate * seconds), 1)):
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.upload(number)))
        return list(await asyncio.gather(*tasks))

    async def upload(self: Run, number: int) -> tuple[float, str]:
        """One message with the image as its attachment, as the composer posts it."""
        server = self.servers[number % len(self.servers)]
        form = aiohttp.FormData()
        form.add_field("body", f"upload {number}")
        form.add_field(
            "attachments", self.image, filename=f"noise-{number}.png", content_type="image/png"
        )
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
        started = time.monotonic()
        try:
            async with self.http.post(
                self.messages_url(server, UPLOAD_ROOM), data=form, headers=headers
            ) as response:
                await response.read()
                error = "" if response.status == 200 else f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as failure:
            error = f"{type(failure).__name__}: {failure}"
        return time.monotonic() - started, error
