"""`python -m bench.socket_memory`: what an open socket keeps in a server's memory, by where
it was allocated.

One uvicorn process as production runs it (`bench.slow_server.serving`), under
tracemalloc, takes a snapshot, opens `--sockets` signed-in sockets to 100 rooms (held
open, not read: keepalive pings are put off so that none is closed for not answering),
takes another, and prints the difference per socket: by file, by line and by traceback.
`--project DIR` measures another checkout (a `git worktree`), as bench.post_cost does.

tracemalloc sees what Python's allocators hand out (not uvloop's buffers, nor its own
bookkeeping, which inflates the RSS printed beside it): use the `idle` scenario's RSS for
the figure, and this for where it goes.

    .venv/bin/python -m bench.socket_memory --sockets 2000
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOMS = 100
FRAMES = 8  # of each allocation's traceback


def serve(arguments: list[str]) -> None:
    """The server side: uvicorn with tracemalloc; SIGUSR1 writes a snapshot to
    $SNAPSHOT_PATH.N, then an empty .N.done beside it."""
    import gc

    del sys.path[0]  # this file's folder: its modules' names are not the server's to import
    tracemalloc.start(FRAMES)
    taken = 0

    def snapshot(*_: object) -> None:
        nonlocal taken
        gc.collect()
        taken += 1
        path = f"{os.environ['SNAPSHOT_PATH']}.{taken}"
        tracemalloc.take_snapshot().dump(path)
        Path(f"{path}.done").touch()

    signal.signal(signal.SIGUSR1, snapshot)
    import uvicorn.main

    sys.argv = ["uvicorn", *arguments, "--ws-ping-interval", "86400"]
    uvicorn.main.main()


def main() -> None:
    from bench.slow_server import port_of, rss_kib, serving
    from support.processes import PROJECT_DIR, wait_until
    from support.raw_websocket import RawSocket, signed_in

    parser = argparse.ArgumentParser(prog="python -m bench.socket_memory", description=__doc__)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--project", type=Path, default=PROJECT_DIR)
    parser.add_argument("--top", type=int, default=30, help="lines of each table")
    arguments = parser.parse_args()
    runner = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    limits = {"SOCKETS_PER_USER": "1000000", "SOCKETS_PER_ADDRESS": "1000000"}
    with (
        tempfile.TemporaryDirectory() as snapshots,  # some 100 MiB each, once measured
        serving(
            arguments.project.resolve(),
            ["person"],
            runner=runner,
            SNAPSHOT_PATH=f"{snapshots}/snapshot",
            **limits,
        ) as served,  # fmt: skip
    ):
        folder = Path(snapshots)
        base_url, pid, sessions, _log = served
        port = port_of(base_url)
        client = signed_in(base_url, sessions["person"])
        for room in range(ROOMS):
            assert client.open_room(f"room{room}").status == 200

        def snapshot(number: int) -> tracemalloc.Snapshot:
            os.kill(pid, signal.SIGUSR1)
            done = folder / f"snapshot.{number}.done"
            wait_until(done.exists, timeout=600, what=f"snapshot {number}")
            return tracemalloc.Snapshot.load(str(folder / f"snapshot.{number}"))

        rss, before = rss_kib(pid), snapshot(1)
        sockets = []
        for number in range(arguments.sockets):
            socket = RawSocket(port)
            assert socket.handshake(f"/ws/chat/room{number % ROOMS}/", sessions["person"]) == 101
            sockets.append(socket)
        rss, after = rss_kib(pid) - rss, snapshot(2)
        open_now = len(os.listdir(f"/proc/{pid}/fd"))
        report(before, after, arguments.sockets, arguments.top)
        print(f"{arguments.project}: {arguments.sockets} sockets ({open_now} descriptors open "
              f"in the server), RSS {rss / arguments.sockets:.1f} KiB per socket "
              "(tracemalloc's own included)")  # fmt: skip
        for socket in sockets:
            socket.close()


def report(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, count: int, top: int) -> None:
    site = f"{sys.prefix}/lib/python{sys.version_info.major}.{sys.version_info.minor}/"

    def where(frame: tracemalloc.Frame) -> str:
        name = frame.filename.replace(f"{site}site-packages/", "").replace(sys.base_prefix, "")
        return f"{name}:{frame.lineno}"

    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"traced: {total / count / 1024:.2f} KiB per socket")
    for key in ("filename", "lineno", "traceback"):
        print(f"\n== by {key}: bytes and blocks per socket")
        for stat in after.compare_to(before, key)[:top]:
            frames = reversed(stat.traceback) if key == "traceback" else [stat.traceback[0]]
            trace = " < ".join(where(frame) for frame in frames)
            print(f"{stat.size_diff / count:7.0f} {stat.count_diff / count:6.2f}  {trace}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2:])
    else:
        main()
