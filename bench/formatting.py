"""`python -m bench.formatting`: how long the Markdown formatter takes on the bodies built to
make a parser work super-linearly (support/long_bodies.py), the median of a few runs each.
A few milliseconds each is the expectation; tests/test_formatting.py checks they are inert."""

from __future__ import annotations

import os
import platform
import statistics
import time

import django

RUNS = 5


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    django.setup()
    from rooms.formatting import format_message
    from support.long_bodies import LONG_BODIES

    members = {"bob": "Bob", "carol": "carol"}
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}, Python {platform.python_version()}"
    )
    for name, body in LONG_BODIES.items():
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            format_message(body, members)
            timings.append(time.perf_counter() - start)
        print(f"{name:>14}  {len(body):>6} chars  {statistics.median(timings) * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
