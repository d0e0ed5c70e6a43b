"""Issue 17's figures per variant, and its targets met or missed, from a run's JSON."""

from __future__ import annotations

from collections.abc import Callable

from bench.servers import BEFORE, PRODUCTION


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def scenario(results: dict, variant: str, name: str) -> dict:
    return results["variants"].get(variant, {}).get("scenarios", {}).get(name, {})


def times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def closed_count(closed: dict) -> int:
    return sum(closed.values())


def per_frame_ratio(results: dict, name: str) -> float | None:
    """Server CPU per delivered frame in room1000 as a multiple of the ceiling's."""
    cpu = scenario(results, name, "room1000").get("server_cpu_us_per_frame")
    ceiling = scenario(results, "ceiling", "room1000").get("server_cpu_us_per_frame")
    if not cpu or not ceiling:
        return None
    return round(cpu / ceiling, 2)


def figures_table(results: dict) -> list[str]:
    lines = [
        "### Issue 17: posts, connects, memory, slow readers, attachments",
        "",
        "| variant | server ms/post (no sockets) | 40x10: posts/s answered / not 200 "
        "| 40x10: server ms/post | 40x10 p50 / p95 / p99 / max ms | 40x10 lost "
        "| idle sockets | connects/s / failed | KiB/idle socket | us/frame vs ceiling "
        "| slow readers p99 alone / beside non-readers ms | RSS growth alone / beside KiB "
        "| non-readers closed (logged / seen) | upload p50 / p99 ms | server ms/upload "
        "| readers p99 without / with uploads ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in results["variants"]:
        posts = scenario(results, name, "posts")
        many = scenario(results, name, "posts40")
        idle = scenario(results, name, "idle")
        connect = idle.get("connect", {})
        slow = scenario(results, name, "slowreaders")
        alone, beside = slow.get("control", {}), slow.get("loaded", {})
        attach = scenario(results, name, "attach")
        upload = attach.get("upload", {})
        closed = slow.get("nonreaders_closed")
        seen = None if closed is None else closed_count(closed)
        lines.append(
            f"| {name} | {fmt(posts.get('server_cpu_ms_per_message'), 2)} "
            f"| {fmt(many.get('posts_per_second'))} / {fmt(many.get('post_errors'))} "
            f"| {fmt(many.get('server_cpu_ms_per_message'), 2)} "
            f"| {fmt(many.get('p50_ms'))} / {fmt(many.get('p95_ms'))} / "
            f"{fmt(many.get('p99_ms'))} / {fmt(many.get('max_ms'))} "
            f"| {fmt(many.get('lost_frames'))} "
            f"| {fmt(idle.get('sockets'))} "
            f"| {fmt(connect.get('connects_per_second'))} / {fmt(connect.get('failed'))} "
            f"| {fmt(idle.get('rss_kib_per_idle_socket'))} "
            f"| {times(per_frame_ratio(results, name))} "
            f"| {fmt(alone.get('p99_ms'))} / {fmt(beside.get('p99_ms'))} "
            f"({times(slow.get('p99_ratio'))}) "
            f"| {fmt(alone.get('server_rss_growth_kib'))} / "
            f"{fmt(beside.get('server_rss_growth_kib'))} "
            f"| {fmt(slow.get('nonreaders_fell_behind_logged'))} / "
            f"{fmt(seen)} of {fmt(slow.get('nonreaders'))} "
            f"| {fmt(upload.get('p50_ms'))} / {fmt(upload.get('p99_ms'))} "
            f"| {fmt(attach.get('server_cpu_ms_per_upload'))} "
            f"| {fmt(attach.get('control', {}).get('p99_ms'))} / "
            f"{fmt(attach.get('loaded', {}).get('p99_ms'))} ({times(attach.get('p99_ratio'))}) |"
        )
    return lines


# A verdict: met (True), missed (False) or not measured (None), and the figures it rests on.
Verdict = tuple[bool | None, str]


def post_cpu(results: dict, name: str) -> Verdict:
    cpu = scenario(results, name, "posts").get("server_cpu_ms_per_message")
    return (None if cpu is None else cpu <= 4.0), f"{fmt(cpu, 2)} ms"


def posts40(results: dict, name: str) -> Verdict:
    row = scenario(results, name, "posts40")
    if not row or "error" in row:
        return None, row.get("error", "")
    rate, p99 = row["posts_per_second"], row.get("p99_ms")
    met = (
        rate >= 400
        and p99 is not None
        and p99 <= 250
        and not row["lost_frames"]
        and not row["post_errors"]
    )
    return met, (
        f"{fmt(rate)} posts/s, p99 {fmt(p99)} ms, {row['lost_frames']} lost, "
        f"{row['post_errors']} not 200"
    )


def connects(results: dict, name: str) -> Verdict:
    connect = scenario(results, name, "idle").get("connect", {})
    rate = connect.get("connects_per_second")
    if rate is None:
        return None, ""
    met = rate >= 1500 and not connect["failed"]
    return met, f"{fmt(rate)}/s, {connect['failed']} failed of {fmt(connect['sockets'])}"


def memory(results: dict, name: str) -> Verdict:
    idle = scenario(results, name, "idle")
    kib = idle.get("rss_kib_per_idle_socket")
    if kib is None:
        return None, ""
    at = idle["sockets"]
    met = kib <= 24 if at >= 20000 else None  # the target is at 20 000 sockets
    return met, f"{fmt(kib)} KiB at {fmt(at)} sockets"


def per_frame(results: dict, name: str) -> Verdict:
    ratio = per_frame_ratio(results, name)
    cpu = scenario(results, name, "room1000").get("server_cpu_us_per_frame")
    return (None if ratio is None else ratio <= 2), f"{times(ratio)} ({fmt(cpu)} us)"


def within(name: str, key: str) -> Callable[[dict, str], Verdict]:
    """The readers' p99 beside the load within 20 % of the same run's without it."""

    def verdict(results: dict, variant: str) -> Verdict:
        row = scenario(results, variant, name)
        ratio = row.get("p99_ratio")
        if ratio is None:
            return None, row.get("error", "")
        control, loaded = row["control"].get("p99_ms"), row["loaded"].get("p99_ms")
        text = f"{fmt(control)} -> {fmt(loaded)} ms ({ratio:.2f}x)"
        if key == "slow":
            closed = closed_count(row["nonreaders_closed"])
            text += (
                f"; RSS +{fmt(row['loaded']['server_rss_growth_kib'])} KiB; "
                f"{closed} of {row['nonreaders']} non-readers closed"
            )
        else:
            upload = row["upload"]
            text += (
                f"; upload p50/p99 {fmt(upload.get('p50_ms'))}/{fmt(upload.get('p99_ms'))} ms, "
                f"{fmt(row['server_cpu_ms_per_upload'])} ms CPU each"
            )
        lost = row["control"]["lost_frames"] + row["loaded"]["lost_frames"]
        return ratio <= 1.2 and not lost, text + (f"; {lost} lost" if lost else "")

    return verdict


TARGETS: list[tuple[str, Callable[[dict, str], Verdict]]] = [
    ("1. server CPU per POST <= 4 ms (`posts`)", post_cpu),
    ("1. >= 400 posts/s into 40 rooms x 10, p99 <= 250 ms, 0 lost (`posts40`)", posts40),
    ("2. >= 1 500 connects/s across 2 processes, no failure (`idle`)", connects),
    ("3. <= 24 KiB RSS per idle socket at 20 000 (`idle`)", memory),
    ("4. server CPU per frame <= 2x the ceiling's (`room1000`)", per_frame),
    (
        "5. slow readers: readers' p99 within 20 % of without them (`slowreaders`)",
        within("slowreaders", "slow"),
    ),
    (
        "6. attachments: other rooms' p99 within 20 % of without uploads (`attach`)",
        within("attach", "attach"),
    ),
]


def targets_table(results: dict) -> list[str]:
    columns = [name for name in (PRODUCTION, BEFORE) if name in results["variants"]]
    if not columns:
        return []
    before = results.get("before", {})
    lines = [
        "### Issue 17: targets",
        "",
        f"Production = `{PRODUCTION}` (commit {results['machine']['git_commit']})"
        + (f"; before = `{BEFORE}` ({before['dir']}, commit {before['commit']})" if before else "")
        + ". Not measured: the scenario was not run, or (memory) at fewer than 20 000 sockets.",
        "",
        "| target | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for label, judge in TARGETS:
        cells = []
        for name in columns:
            met, text = judge(results, name)
            word = {True: "**met**", False: "missed", None: "not measured"}[met]
            cells.append(f"{word}: {text}" if text else word)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def sections(results: dict) -> list[str]:
    return ["", *figures_table(results), "", *targets_table(results)]
