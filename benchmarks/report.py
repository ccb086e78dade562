"""Turning raw runs into summaries (medians, pairwise ratios, verdicts) and RESULTS.md."""

from __future__ import annotations

import statistics
from typing import Any

from plan import MEMORY_TARGET_MIB, Plan, Scenario, Variant

KIB_PER_MIB = 1024
#: "Flat" memory: the large walk's traced peak may exceed the small walk's by this much.
FLAT_FACTOR = 1.25
FLAT_SLACK_KIB = 1024


def ok_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [run for run in runs if "error" not in run]


def rate(run: dict[str, Any]) -> float:
    return float(run["items"]) / float(run["wall_s"])


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise_variant(
    variant: Variant, runs: list[dict[str, Any]], baseline_runs: list[dict[str, Any]]
) -> dict[str, Any]:
    """Medians of one variant's runs, and its ratio to the baseline taken round by round."""
    good = ok_runs(runs)
    baseline_by_round = {run["round"]: run for run in ok_runs(baseline_runs)}
    ratios = [
        rate(run) / rate(baseline_by_round[run["round"]])
        for run in good
        if run["round"] in baseline_by_round
    ]
    summary: dict[str, Any] = {
        "runs_ok": len(good),
        "runs_failed": len(runs) - len(good),
        "errors": [run["error"] for run in runs if "error" in run],
        "rate_per_s": median_or_none([rate(run) for run in good]),
        "wall_s": median_or_none([run["wall_s"] for run in good]),
        "cpu_s_per_1000": median_or_none([run["cpu_s"] / run["items"] * 1000 for run in good]),
        "server_cpu_s_per_1000": median_or_none(
            [run["server_cpu_s"] / run["items"] * 1000 for run in good]
        ),
        "peak_rss_growth_mib": max(
            (run["rss_growth_kib"] / KIB_PER_MIB for run in good), default=None
        ),
        "ratios": ratios,
        "ratio": median_or_none(ratios),
        "target_ratio": variant.target_ratio,
        "cpu_target_per_1000": variant.cpu_target_per_1000,
    }
    summary["ratio_pass"] = verdict(summary["ratio"], variant.target_ratio, higher_is_better=True)
    summary["cpu_pass"] = verdict(
        summary["cpu_s_per_1000"], variant.cpu_target_per_1000, higher_is_better=False
    )
    return summary


def verdict(value: float | None, target: float | None, higher_is_better: bool) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target if higher_is_better else value <= target


def summarise_scenario(scenario: Scenario, measured: dict[str, Any]) -> dict[str, Any]:
    runs = measured["runs"]
    baseline_runs = runs[scenario.baseline.key]
    return {
        variant.key: (
            {"skipped": measured["skipped"][variant.key]}
            if variant.key in measured["skipped"]
            else summarise_variant(variant, runs[variant.key], baseline_runs)
        )
        for variant in scenario.variants
    }


def summarise_memory(memory: dict[str, Any]) -> dict[str, Any]:
    small, large = (str(count) for count in memory["counts"])
    summary: dict[str, Any] = {}
    for key, per_count in memory["runs"].items():
        if "error" in per_count[small] or "error" in per_count[large]:
            summary[key] = {"error": per_count[small].get("error") or per_count[large]["error"]}
            continue
        traced_small = per_count[small]["tracemalloc_peak_kib"]
        traced_large = per_count[large]["tracemalloc_peak_kib"]
        worst_mib = (
            max(
                per_count[large]["rss_growth_kib"],
                traced_large,
                per_count[small]["rss_growth_kib"],
            )
            / KIB_PER_MIB
        )
        summary[key] = {
            "rss_growth_mib": {
                n: per_count[n]["rss_growth_kib"] / KIB_PER_MIB for n in (small, large)
            },
            "traced_peak_mib": {
                small: traced_small / KIB_PER_MIB,
                large: traced_large / KIB_PER_MIB,
            },
            "within_target": worst_mib <= MEMORY_TARGET_MIB,
            "flat": traced_large <= traced_small * FLAT_FACTOR + FLAT_SLACK_KIB,
        }
    return summary


# -- markdown ---------------------------------------------------------------------------


def number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


#: The bulk worker tasks, the functions they measure, and the reference variant (the same
#: sends with aiohttp alone, on the same kind of event loop; see ``client_worker.py``).
BULK_FUNCTIONS = {
    "send_bulk": ("send_bulk", "aiohttp-only"),
    "send_async_bulk": ("async_send_bulk", "aiohttp-only-asyncio"),
}


def mark(passed: bool | None) -> str:
    return "" if passed is None else (" **PASS**" if passed else " **FAIL**")


def scenario_table(scenario: Scenario, summary: dict[str, Any]) -> list[str]:
    unit = "msg/s" if scenario.kind == "send" else "contacts/s"
    per = "1k messages" if scenario.kind == "send" else "1k contacts"
    lines = [
        f"### {scenario.title}",
        "",
        f"| variant | items/run | rate ({unit}) | ratio vs 0.3.2 (range) | target | "
        f"client CPU s / {per} | server CPU s / {per} | peak RSS growth (MiB) |",
        "|---|---:|---:|---|---|---:|---:|---:|",
    ]
    for variant in scenario.variants:
        row = summary[variant.key]
        items = variant.count if scenario.kind == "send" else scenario.contacts
        if "skipped" in row:
            lines.append(f"| {variant.label} | {items:,} | skipped: {row['skipped']} ||||||")
            continue
        if row["runs_ok"] == 0:
            lines.append(f"| {variant.label} | {items:,} | ERROR: {row['errors'][0]} ||||||")
            continue
        is_baseline = variant is scenario.baseline
        ratio = "1 (baseline)" if is_baseline else ratio_text(row)
        target = "—" if variant.target_ratio is None else f"≥ {variant.target_ratio:g}x"
        cpu = number(row["cpu_s_per_1000"], 3)
        if variant.cpu_target_per_1000 is not None:
            cpu += f" (≤ {variant.cpu_target_per_1000:g}){mark(row['cpu_pass'])}"
        server_cpu = number(row["server_cpu_s_per_1000"], 3)
        lines.append(
            f"| {variant.label} | {items:,} | {number(row['rate_per_s'], 0)} | {ratio} | "
            f"{target}{mark(row['ratio_pass'])} | {cpu} | {server_cpu} | "
            f"{number(row['peak_rss_growth_mib'], 1)} |"
        )
    failures = [
        f"{variant.key}: {error}"
        for variant in scenario.variants
        for error in summary[variant.key].get("errors", [])
    ]
    lines += overhead_lines(scenario, summary)
    if failures:
        lines += ["", "Failed runs (left out of the medians):", ""]
        lines += [f"- `{failure}`" for failure in failures]
    return [*lines, ""]


def overhead_lines(scenario: Scenario, summary: dict[str, Any]) -> list[str]:
    """What go_http's bulk engine costs over aiohttp alone on the same kind of event loop
    (the reference rows), where both ran."""
    lines = []
    for variant in scenario.variants:
        row = summary[variant.key]
        if variant.task not in BULK_FUNCTIONS or not row.get("runs_ok"):
            continue
        function, floor_key = BULK_FUNCTIONS[variant.task]
        floor = summary.get(floor_key, {})
        if not floor.get("runs_ok"):
            continue
        loop = "the asyncio loop" if floor_key.endswith("asyncio") else "uvloop"
        extra = row["cpu_s_per_1000"] - floor["cpu_s_per_1000"]
        lines.append(
            f"- `{function}` costs {extra:+.3f} client CPU s per 1k messages over aiohttp "
            f"alone on {loop} ({extra * 1000:+.0f} us per message)."
        )
    return ["", *lines] if lines else []


def ratio_text(row: dict[str, Any]) -> str:
    ratios = row["ratios"]
    if not ratios:
        return "—"
    spread = f" ({min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ""
    return f"{row['ratio']:.2f}x{spread}"


def memory_table(plan: Plan, memory: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    small, large = (str(count) for count in memory["counts"])
    walk = next(s for s in plan.scenarios if s.kind == "walk" and s.latency_ms == 0)
    lines = [
        f"### Memory while walking contacts ({int(small):,} vs {int(large):,}, 0 ms)",
        "",
        f"One run per size with tracemalloc on (so slower; not timed). Target for ours: "
        f"peak growth ≤ {MEMORY_TARGET_MIB:g} MiB and flat as the count grows (traced peak at "
        f"{int(large):,} ≤ {FLAT_FACTOR:g} x the peak at {int(small):,} + 1 MiB).",
        "",
        f"| variant | RSS growth {int(small):,} (MiB) | RSS growth {int(large):,} (MiB) | "
        f"traced peak {int(small):,} (MiB) | traced peak {int(large):,} (MiB) | "
        f"≤ {MEMORY_TARGET_MIB:g} MiB | flat |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for variant in walk.variants:
        if variant.key in memory["skipped"]:
            lines.append(f"| {variant.label} | skipped: {memory['skipped'][variant.key]} ||||||")
            continue
        row = summary[variant.key]
        if "error" in row:
            lines.append(f"| {variant.label} | ERROR: {row['error']} ||||||")
            continue
        judged = variant.impl == "ours"
        lines.append(
            f"| {variant.label} | {number(row['rss_growth_mib'][small], 1)} | "
            f"{number(row['rss_growth_mib'][large], 1)} | "
            f"{number(row['traced_peak_mib'][small], 1)} | "
            f"{number(row['traced_peak_mib'][large], 1)} | "
            f"{mark(row['within_target']).strip() if judged else '(reference)'} | "
            f"{mark(row['flat']).strip() if judged else '(reference)'} |"
        )
    return [*lines, ""]


def changed_during_run(facts: dict[str, Any]) -> list[str]:
    """A warning when the measured code changed while the benchmark ran."""
    if facts["code_fingerprint"] == facts["code_fingerprint_end"]:
        return []
    return [
        f"- **Warning:** the client code changed during the run (at the end: "
        f"{facts['git_commit_end']}{dirty_note(facts['git_dirty_end'])}); rounds may have "
        "measured different versions: rerun"
    ]


def dirty_note(paths: list[str]) -> str:
    if not paths:
        return ""
    return f" plus uncommitted changes to {', '.join(f'`{p}`' for p in paths)}"


def render(
    plan: Plan,
    facts: dict[str, Any],
    summaries: dict[str, dict[str, Any]],
    memory: dict[str, Any] | None,
    memory_summary: dict[str, Any] | None,
) -> str:
    """The whole RESULTS.md text; every number comes from this run's measurements."""
    lines = [
        "# go-http benchmark results",
        "",
        "Generated by `benchmarks/run.py`; see `docs/benchmarks.md` for the method. "
        "Do not edit by hand.",
        "",
        f"- Command: `{facts['command']}`",
        f"- Mode: {plan.name} ({plan.rounds} round(s) per scenario; ratios are the median "
        "of per-round ratios to the 0.3.2 run of the same round)",
        f"- Date: {facts['date']} (took {facts['duration_s']:.0f} s)",
        f"- Machine: {facts['cpu_count']} CPUs ({facts['cpu_model']}), "
        f"{facts['memory_total']}, {facts['platform']}",
        f"- Load average at start / end: {facts['load_start']} / {facts['load_end']}",
        f"- Python {facts['python']}; requests {facts['requests_versions']}",
        f"- Ours: go_http {facts['ours_version']} at {facts['git_commit']}"
        f"{dirty_note(facts['git_dirty'])}; "
        f"baseline: go_http {facts['baseline_version']} from PyPI",
        *changed_during_run(facts),
        f"- go-http 0.3.2 on Python {facts['python']}: {facts['baseline_modules']}",
        "- Server: `benchmarks/fake_server.py` (asyncio, loopback, own process); "
        "per-request latency is a timer, not a blocking sleep",
        "",
    ]
    for scenario in plan.scenarios:
        lines += scenario_table(scenario, summaries[scenario.key])
    if memory is not None and memory_summary is not None:
        lines += memory_table(plan, memory, memory_summary)
    return "\n".join(lines)
