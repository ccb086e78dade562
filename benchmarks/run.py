"""Compare this repo's go-http against go-http 0.3.2 from PyPI, measured in the same run.

Usage (from the repo root)::

    .venv/bin/python benchmarks/run.py            # full run, ~5 minutes
    .venv/bin/python benchmarks/run.py --quick    # smoke run, well under a minute

The full run writes ``benchmarks/RESULTS.md`` and ``benchmarks/results.json``; ``--quick``
writes ``RESULTS-quick.md`` / ``results-quick.json`` (git-ignored) so a smoke run never
overwrites real results.  See ``docs/benchmarks.md`` for what is measured and how.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from baseline_env import ensure_baseline
from measure import (
    HERE,
    REPO_PYTHON,
    FakeServer,
    Interpreters,
    progress,
    run_memory_check,
    run_scenario,
    run_worker,
)
from plan import FULL, QUICK, Impl, Plan
from report import render, summarise_memory, summarise_scenario

REPO = HERE.parent
#: Parts of the package that no benchmark runs.
NOT_MEASURED = ("src/go_http/sandbox/", "src/go_http/cli/", "src/go_http/testing.py")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: small counts, one round"
    )
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default: 5, quick: 1)")
    parser.add_argument(
        "--only", action="append", metavar="SCENARIO",
        help="run only this scenario (repeatable): send-0ms, send-20ms, walk-0ms, walk-20ms",
    )  # fmt: skip
    parser.add_argument(
        "--ours-python",
        default=REPO_PYTHON,
        help="the interpreter whose go_http is this repo (default: the repo's .venv)",
    )
    parser.add_argument("--output", type=Path, help="where to write the markdown results")
    args = parser.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def chosen_plan(args: argparse.Namespace) -> Plan:
    plan = QUICK if args.quick else FULL
    if args.rounds is not None:
        plan = dataclasses.replace(plan, rounds=args.rounds)
    if args.only:
        known = {scenario.key for scenario in plan.scenarios}
        unknown = set(args.only) - known
        if unknown:
            raise SystemExit(f"unknown scenario(s) {sorted(unknown)}; choose from {sorted(known)}")
        kept = tuple(s for s in plan.scenarios if s.key in args.only)
        plan = dataclasses.replace(plan, scenarios=kept)
    return plan


def read_first(path: str, prefix: str) -> str:
    try:
        with open(path, encoding="utf-8") as source:
            for line in source:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def memory_total() -> str:
    kib = read_first("/proc/meminfo", "MemTotal").removesuffix(" kB")
    return f"{int(kib) / 1024**2:.1f} GiB RAM" if kib.isdigit() else "RAM unknown"


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO, check=False)
    return done.stdout


def client_code_fingerprint() -> str:
    """A hash of the measured client source, to notice edits made while the run goes."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "go_http").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if not relative.startswith(NOT_MEASURED):
            digest.update(relative.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def uncommitted_client_files() -> list[str]:
    """Client source files the editable install measures that differ from HEAD."""
    status = git("status", "--porcelain", "--", "src/go_http")
    paths = [line[3:] for line in status.splitlines()]
    return [path for path in paths if not path.startswith(NOT_MEASURED)]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_facts(command: str, probes: dict[Impl, dict[str, Any]]) -> dict[str, Any]:
    return {
        "command": command,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y"),
        "cpu_count": os.cpu_count(),
        "cpu_model": read_first("/proc/cpuinfo", "model name"),
        "memory_total": memory_total(),
        "platform": platform.platform(),
        "python": probes["ours"]["python"],
        "requests_versions": (
            f"{probes['ours']['requests_version']} (ours) / "
            f"{probes['baseline']['requests_version']} (baseline)"
        ),
        "ours_version": probes["ours"]["go_http_version"],
        "baseline_version": probes["baseline"]["go_http_version"],
        "baseline_modules": ", ".join(
            f"`go_http.{name}` {state}" for name, state in probes["baseline"]["modules"].items()
        ),
        "git_commit": git("rev-parse", "--short", "HEAD").strip(),
        "git_dirty": uncommitted_client_files(),
        "code_fingerprint": client_code_fingerprint(),
        "load_start": load_average(),
    }


def shown_command(argv: list[str]) -> str:
    python = Path(sys.executable)
    shown = str(python.relative_to(REPO)) if python.is_relative_to(REPO) else python.name
    return shlex.join([shown, "benchmarks/run.py", *argv])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    plan = chosen_plan(args)
    started = time.monotonic()
    progress("setting up the go-http 0.3.2 venv (benchmarks/.venv-baseline)...")
    pythons: dict[Impl, str] = {"baseline": str(ensure_baseline()), "ours": args.ours_python}
    probes: dict[Impl, dict[str, Any]] = {
        impl: run_worker(python, {"task": "probe"}) for impl, python in pythons.items()
    }
    if probes["baseline"]["python"] != probes["ours"]["python"]:
        progress("warning: the two sides run on different Python versions")
    interpreters = Interpreters(pythons, probes)
    facts = machine_facts(shown_command(argv), probes)
    measured: dict[str, Any] = {}
    with FakeServer(args.ours_python) as server:
        for scenario in plan.scenarios:
            progress(f"scenario {scenario.key}: {scenario.title}")
            measured[scenario.key] = run_scenario(scenario, plan.rounds, server, interpreters)
        memory = None
        if any(s.kind == "walk" and s.latency_ms == 0 for s in plan.scenarios):
            progress("memory check")
            memory = run_memory_check(plan, server, interpreters)
    facts["load_end"] = load_average()
    facts["git_commit_end"] = git("rev-parse", "--short", "HEAD").strip()
    facts["git_dirty_end"] = uncommitted_client_files()
    facts["code_fingerprint_end"] = client_code_fingerprint()
    facts["duration_s"] = time.monotonic() - started
    summaries = {s.key: summarise_scenario(s, measured[s.key]) for s in plan.scenarios}
    memory_summary = summarise_memory(memory) if memory is not None else None
    markdown = render(plan, facts, summaries, memory, memory_summary)
    output = args.output or HERE / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    raw_output = output.with_name("results-quick.json" if args.quick else "results.json")
    output.write_text(markdown + "\n", encoding="utf-8")
    raw = {
        "facts": facts,
        "probes": probes,
        "plan": dataclasses.asdict(plan),
        "measured": measured,
        "summaries": summaries,
        "memory": memory,
        "memory_summary": memory_summary,
    }
    raw_output.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
    print(markdown)
    progress(f"wrote {output} and {raw_output} in {facts['duration_s']:.0f} s")


if __name__ == "__main__":
    main()
