"""`python -m bench`: run the benchmark (`--list` shows the variants, `--report` redraws)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from bench import report
from bench.harness import Options, Run, log
from bench.servers import BEFORE, VARIANTS, VARIANTS_BY_NAME, before_variant

# room1000 leaves its sockets open for the ramp when both run, in this order.
SCENARIOS = [
    "idle",
    "posts",
    "posts40",
    "room100",
    "rooms200",
    "room1000",
    "ramp",
    "burst",
    "slowreaders",
    "attach",
]
QUICK_VARIANTS = ["chat-uvicorn-sansio-pubsub", "ceiling"]


def numbers(text: str) -> list[float]:
    return [float(item) for item in text.split(",") if item.strip()]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--variants", default="all", help="comma-separated names (--list shows them), or all"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, from {','.join(SCENARIOS)}",
    )
    parser.add_argument("--servers", type=int, default=2, help="server processes per variant (K)")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--messages", type=int, default=100, help="messages per room scenario (M)")
    parser.add_argument("--rate", type=float, default=10, help="messages/s per room scenario (R)")
    parser.add_argument("--rooms200-rate", type=float, default=50, help="messages/s, all 200 rooms")
    parser.add_argument("--idle", type=int, help="sockets held idle (default 20000; --quick: 300)")
    parser.add_argument(
        "--idle-concurrency", type=int, default=500, help="idle: connects in flight per client"
    )
    parser.add_argument("--posts-messages", type=int, default=300, help="posts: messages")
    parser.add_argument("--posts-rate", type=float, default=30, help="posts: messages/s")
    parser.add_argument("--posts40-rate", type=float, default=400, help="posts40: posts/s")
    parser.add_argument("--posts40-seconds", type=float, default=10)
    parser.add_argument(
        "--slow-seconds", type=float, default=60, help="slowreaders: seconds of each phase"
    )
    parser.add_argument(
        "--slow-rate", type=float, default=10, help="slowreaders: messages/s over its rooms"
    )
    parser.add_argument(
        "--slow-rooms",
        type=int,
        default=10,
        help="slowreaders: rooms the readers and non-readers share (1 to 50)",
    )
    parser.add_argument(
        "--slow-sockets", type=int, default=500, help="slowreaders: readers, as many non-readers"
    )
    parser.add_argument(
        "--attach-seconds", type=float, default=20, help="attach: seconds of each phase"
    )
    parser.add_argument(
        "--attach-rate", type=float, default=20, help="attach: messages/s over its 20 rooms"
    )
    parser.add_argument("--upload-rate", type=float, default=1, help="attach: uploads/s")
    parser.add_argument("--burst", type=int, default=500, help="sockets opened at once")
    parser.add_argument("--ramp-members", type=int, default=1000)
    parser.add_argument("--ramp-rates", type=numbers, default=[10, 20, 30, 40, 60, 80, 100, 130])
    parser.add_argument("--step-seconds", type=float, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 2 variants, small sizes (about 3 minutes)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy on server 1 during each measurement (skews the numbers)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every server process, e.g. REDIS_MAX_CONNECTIONS=100",
    )
    parser.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        help=f"also run {BEFORE}: production served from DIR, a git worktree of an older "
        "commit (bench/README.md)",
    )
    parser.add_argument("--list", action="store_true", help="list the variants and stop")
    parser.add_argument("--report", type=Path, help="redo table and charts from a run's JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse(sys.argv[1:] if argv is None else argv)
    if arguments.list:
        for variant in VARIANTS:
            print(f"{variant.name:30} {variant.about}")
        return 0
    if arguments.report:
        results = json.loads(arguments.report.read_text())
        for path in report.write(results, arguments.report.parent):
            print(path)
        return 0
    if arguments.quick:
        if arguments.variants == "all":
            arguments.variants = ",".join(QUICK_VARIANTS)
        arguments.messages, arguments.burst = 20, 200
        arguments.idle = arguments.idle or 300
        arguments.ramp_members, arguments.ramp_rates = 200, [10, 40]
        arguments.step_seconds = 2
        arguments.posts_messages = min(arguments.posts_messages, 30)
        arguments.posts40_seconds = min(arguments.posts40_seconds, 2)
        arguments.slow_seconds = min(arguments.slow_seconds, 5)
        arguments.attach_seconds = min(arguments.attach_seconds, 5)
    arguments.idle = arguments.idle or 20000
    variants = dict(VARIANTS_BY_NAME)
    if arguments.before:
        if not (arguments.before / "manage.py").exists():
            print(f"--before {arguments.before}: no manage.py there", file=sys.stderr)
            return 2
        variants[BEFORE] = before_variant(arguments.before)
    names = [name for name in arguments.variants.split(",") if name]
    if names == ["all"]:
        names = [variant.name for variant in VARIANTS]
    if arguments.before and BEFORE not in names:
        names.append(BEFORE)
    unknown = [name for name in names if name not in variants]
    scenarios = [name for name in arguments.scenarios.split(",") if name]
    unknown += [name for name in scenarios if name not in SCENARIOS]
    scenarios = [name for name in SCENARIOS if name in scenarios]
    if unknown:
        print(f"unknown: {', '.join(unknown)} (see --list and --help)", file=sys.stderr)
        return 2
    options = Options(
        variants=[variants[name] for name in names],
        scenarios=scenarios,
        servers=arguments.servers,
        client_processes=arguments.client_processes,
        messages=arguments.messages,
        rate=arguments.rate,
        rooms200_rate=arguments.rooms200_rate,
        idle=arguments.idle,
        idle_concurrency=arguments.idle_concurrency,
        posts_messages=arguments.posts_messages,
        posts_rate=arguments.posts_rate,
        posts40_rate=arguments.posts40_rate,
        posts40_seconds=arguments.posts40_seconds,
        slow_seconds=arguments.slow_seconds,
        slow_rate=arguments.slow_rate,
        slow_rooms=arguments.slow_rooms,
        slow_sockets=arguments.slow_sockets,
        attach_seconds=arguments.attach_seconds,
        attach_rate=arguments.attach_rate,
        upload_rate=arguments.upload_rate,
        before=str(arguments.before.resolve()) if arguments.before else "",
        burst=arguments.burst,
        ramp_members=arguments.ramp_members,
        ramp_rates=arguments.ramp_rates,
        step_seconds=arguments.step_seconds,
        out=arguments.out,
        profile=arguments.profile,
        server_env=dict(item.split("=", 1) for item in arguments.server_env),
        run_id=time.strftime("%Y%m%d-%H%M%S")
        + ("-quick" if arguments.quick else "")
        + ("-profile" if arguments.profile else ""),
    )
    results = asyncio.run(Run(options).main())
    paths = report.write(results, options.out)
    print(report.markdown(results))
    for path in paths:
        log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
