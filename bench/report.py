"""Tables and charts from a run's JSON."""

from __future__ import annotations

import json
from pathlib import Path

from bench.targets import fmt, scenario, sections

LATENCY_SCENARIOS = {
    "room100": "1 room x 100",
    "room1000": "1 room x 1000",
    "rooms200": "200 rooms x 10",
}
# Issue 17's: posts40 measures once, the others a control phase and a loaded one.
PHASES = {
    "posts40": "40 rooms x 10",
    "slowreaders": "10 rooms x 50 readers",
    "attach": "20 rooms x 10 readers",
}


def ratio(numerator, denominator) -> str:
    if not numerator or not denominator:
        return "-"
    return f"{numerator / denominator:.1f}x"


def markdown(results: dict) -> str:
    machine = results["machine"]
    options = results["options"]
    lines = [
        f"Run `{results['run_id']}`, {results['started']} to {results.get('finished', '?')}: "
        f"{machine['cores']} cores ({machine['cpu_model']}), {machine['memory_gib']} GiB, "
        f"Python {machine['python']}, {machine['redis_server'].split(' sha=')[0]}, "
        f"commit {machine['git_commit']}"
        + (
            f" (before: {results['before']['dir']}, commit {results['before']['commit']})"
            if results.get("before")
            else ""
        )
        + f". Load average (1/5/15 min) at start "
        f"{results['loadavg_start']}, at end {results.get('loadavg_end')}: the machine is shared, "
        "so other work may run beside the benchmark.",
        "",
        f"{options['servers']} server processes, {options['client_processes']} client processes; "
        f"{options['messages']} messages at {options['rate']:g}/s per room scenario "
        f"(200 rooms: {options['rooms200_rate']:g}/s in all); idle hold {options['idle']} sockets; "
        f"ramp: 1 room x {options['ramp_members']}, {options['step_seconds']:g} s per step.",
        "",
        *issue17_options(options),
        "### Summary",
        "",
        "| variant | server ms/post (no sockets) | 1x100 p50 / p99 ms "
        "| 1x1000 p50 / p99 / max ms | 200x10 p50 / p99 ms | lost | "
        "server us/frame (1x1000) | vs ceiling | redis cmds/msg (1x1000) | ramp max frames/s "
        "(p99 <= 250 ms) | vs ceiling | KiB/idle socket | burst failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ceiling_cpu = scenario(results, "ceiling", "room1000").get("server_cpu_us_per_frame")
    ceiling_fps = scenario(results, "ceiling", "ramp").get("max_frames_per_second_p99_ok")
    for name, record in results["variants"].items():
        posts = scenario(results, name, "posts")
        small = scenario(results, name, "room100")
        large = scenario(results, name, "room1000")
        many = scenario(results, name, "rooms200")
        ramp = scenario(results, name, "ramp")
        idle = scenario(results, name, "idle")
        burst = scenario(results, name, "burst")
        lost = sum(scenario(results, name, key).get("lost_frames", 0) for key in LATENCY_SCENARIOS)
        lost += sum(step.get("lost_frames", 0) for step in ramp.get("steps", [])[:-1])
        fps = ramp.get("max_frames_per_second_p99_ok")
        cpu = large.get("server_cpu_us_per_frame")
        note = " (error)" if record.get("error") else ""
        lines.append(
            f"| {name}{note} | {fmt(posts.get('server_cpu_ms_per_message'), 2)} "
            f"| {fmt(small.get('p50_ms'))} / {fmt(small.get('p99_ms'))} "
            f"| {fmt(large.get('p50_ms'))} / {fmt(large.get('p99_ms'))} "
            f"/ {fmt(large.get('max_ms'))} "
            f"| {fmt(many.get('p50_ms'))} / {fmt(many.get('p99_ms'))} | {lost} "
            f"| {fmt(cpu)} | {ratio(cpu, ceiling_cpu)} "
            f"| {fmt(large.get('redis_commands_per_message'))} | {fmt(fps)} "
            f"| {ratio(fps, ceiling_fps)} | {fmt(idle.get('rss_kib_per_idle_socket'))} "
            f"| {fmt(burst.get('connect', {}).get('failed'))} |"
        )
    lines += sections(results)
    lines += [
        "",
        "### Every measured scenario",
        "",
        "| variant | scenario | sockets | msgs | p50 | p95 | p99 | max ms | frames/s | lost "
        "| server us/frame | client us/frame | redis us/frame | redis cmds/msg | frame bytes "
        "| load avg start -> end |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in results["variants"]:
        for key, label in {"posts": "posts, no sockets", **LATENCY_SCENARIOS}.items():
            row = scenario(results, name, key)
            if row and "error" not in row:
                lines.append(detail_row(name, label, row))
        for key, label in PHASES.items():
            row = scenario(results, name, key)
            if key in ("slowreaders", "attach"):
                for phase in ("control", "loaded"):
                    if phase in row:
                        lines.append(detail_row(name, f"{label} ({phase})", row[phase]))
            elif row and "error" not in row:
                lines.append(detail_row(name, label, row))
        for step in scenario(results, name, "ramp").get("steps", []):
            lines.append(detail_row(name, f"ramp {step['rate']:g} msg/s", step))
    lines += [
        "",
        "### Connections",
        "",
        "| variant | idle sockets | server RSS before -> after (KiB) | KiB/socket | connects/s "
        "| burst open / failed | 'Too many connections' in log |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in results["variants"]:
        idle = scenario(results, name, "idle")
        burst = scenario(results, name, "burst")
        lines.append(
            f"| {name} | {fmt(idle.get('sockets'))} "
            f"| {fmt(sum(idle.get('server_rss_baseline_kib', [])))} -> "
            f"{fmt(sum(idle.get('server_rss_loaded_kib', [])))} "
            f"| {fmt(idle.get('rss_kib_per_idle_socket'))} "
            f"| {fmt(idle.get('connect', {}).get('connects_per_second'))} "
            f"| {fmt(burst.get('connect', {}).get('open'))} / "
            f"{fmt(burst.get('connect', {}).get('failed'))} "
            f"| {fmt(burst.get('server_too_many_connections'))} |"
        )
    errors = [
        f"- {name}: {record['error']}"
        for name, record in results["variants"].items()
        if record.get("error")
    ]
    for name, record in results["variants"].items():
        for key, row in record.get("scenarios", {}).items():
            if "error" in row:
                errors.append(f"- {name} / {key}: {row['error']}")
        for port, found in record.get("server_errors", {}).items():
            if found.get("tracebacks"):
                kinds = "; ".join(
                    f"{count} x {kind}" for kind, count in found.get("errors", {}).items()
                )
                errors.append(
                    f"- {name}: server on {port} logged {found['tracebacks']} tracebacks: {kinds}"
                )
    if errors:
        lines += ["", "### Errors", "", *errors]
    return "\n".join(lines) + "\n"


def issue17_options(options: dict) -> list[str]:
    """The sizes of bench/scenarios.py's scenarios (runs before them have none)."""
    if "posts40_rate" not in options:
        return []
    return [
        f"posts: {options['posts_messages']} at {options['posts_rate']:g}/s; posts40: "
        f"{options['posts40_rate']:g} posts/s for {options['posts40_seconds']:g} s; idle: "
        f"{options['idle_concurrency']} connects in flight per client process; slowreaders: "
        f"{options['slow_sockets']} readers (+ as many non-readers) in {options['slow_rooms']} "
        f"rooms, {options['slow_rate']:g} msg/s, {options['slow_seconds']:g} s per phase; "
        f"attach: {options['attach_rate']:g} msg/s, {options['upload_rate']:g} uploads/s, "
        f"{options['attach_seconds']:g} s per phase.",
        "",
    ]


def detail_row(name: str, label: str, row: dict) -> str:
    return (
        f"| {name} | {label} | {fmt(row['sockets'])} | {fmt(row['posted'])} "
        f"| {fmt(row.get('p50_ms'))} | {fmt(row.get('p95_ms'))} | {fmt(row.get('p99_ms'))} "
        f"| {fmt(row.get('max_ms'))} | {fmt(row['frames_per_second'])} | {fmt(row['lost_frames'])} "
        f"| {fmt(row['server_cpu_us_per_frame'])} | {fmt(row['client_cpu_us_per_frame'])} "
        f"| {fmt(row['redis_cpu_us_per_frame'])} | {fmt(row['redis_commands_per_message'])} "
        f"| {fmt(row['mean_frame_bytes'])} | {row.get('loadavg_start', '-')} -> "
        f"{row.get('loadavg_end', '-')} |"
    )


def charts(results: dict, stem: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    names = list(results["variants"])
    colors = {name: plt.cm.tab20(index % 20) for index, name in enumerate(names)}

    figure, axes = plt.subplots(1, 3, figsize=(18, 6), sharey=True)
    for axis, (key, label) in zip(axes, LATENCY_SCENARIOS.items(), strict=True):
        for name in names:
            sample = scenario(results, name, key).get("latency_sample_ms")
            if sample:
                percentiles = [index / 2 for index in range(len(sample))]
                axis.plot(sample, percentiles, label=name, color=colors[name])
        axis.set_xscale("log")
        axis.set_title(f"{label}: delivery latency")
        axis.set_xlabel("ms from POST start to receipt (log)")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("percentile of frames")
    axes[-1].legend(fontsize=8, loc="lower right")
    figure.suptitle(f"Latency distribution per scenario ({results['run_id']})")
    figure.tight_layout()
    path = stem.with_name(stem.name + "-latency.png")
    figure.savefig(path, dpi=90)
    plt.close(figure)
    written.append(path)

    figure, axis = plt.subplots(figsize=(10, 6))
    for name in names:
        steps = scenario(results, name, "ramp").get("steps", [])
        points = [(step["frames_per_second"], step["p99_ms"]) for step in steps if "p99_ms" in step]
        if points:
            axis.plot(*zip(*points, strict=True), marker="o", label=name, color=colors[name])
    axis.axhline(250, color="red", linestyle="--", linewidth=1, label="p99 = 250 ms")
    axis.set_yscale("log")
    axis.set_xlabel(f"delivered frames/s (1 room x {results['options']['ramp_members']})")
    axis.set_ylabel("p99 latency, ms (log)")
    axis.set_title(f"Ramp: frames/s against p99 ({results['run_id']})")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    path = stem.with_name(stem.name + "-ramp.png")
    figure.savefig(path, dpi=90)
    plt.close(figure)
    written.append(path)

    figure, (left, right) = plt.subplots(1, 2, figsize=(16, 6))
    cpu = [
        scenario(results, name, "room1000").get("server_cpu_us_per_frame") or 0 for name in names
    ]
    rss = [scenario(results, name, "idle").get("rss_kib_per_idle_socket") or 0 for name in names]
    left.barh(names, cpu, color=[colors[name] for name in names])
    left.set_xlabel("server CPU us per delivered frame (1 room x 1000, 10 msg/s)")
    left.invert_yaxis()
    right.barh(names, rss, color=[colors[name] for name in names])
    right.axvline(40, color="red", linestyle="--", linewidth=1)
    right.set_xlabel("server RSS KiB per idle socket (target <= 40)")
    right.invert_yaxis()
    figure.suptitle(f"Costs ({results['run_id']})")
    figure.tight_layout()
    path = stem.with_name(stem.name + "-costs.png")
    figure.savefig(path, dpi=90)
    plt.close(figure)
    written.append(path)
    return written


def write(results: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / results["run_id"]
    json_path = stem.with_suffix(".json")
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    table_path = stem.with_suffix(".md")
    table_path.write_text(markdown(results))
    return [json_path, table_path, *charts(results, stem)]
