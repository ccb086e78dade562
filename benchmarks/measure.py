"""Running the fake server and the worker processes, and collecting their numbers."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from plan import Impl, Plan, Scenario, Variant

HERE = Path(__file__).resolve().parent
REPO_PYTHON = str(HERE.parent / ".venv" / "bin" / "python")
WORKER = HERE / "client_worker.py"
SERVER = HERE / "fake_server.py"
WORKER_TIMEOUT_S = 300


class FakeServer:
    """The loopback fake server, in its own process for the length of a ``with`` block.

    :param str python: the interpreter to run it with.
    """

    def __init__(self, python: str) -> None:
        self.python = python
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> FakeServer:
        self.process = subprocess.Popen(
            [self.python, str(SERVER)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.process.kill()
            raise RuntimeError(f"the fake server did not start (said {line!r})")
        self.port = int(line)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def base(self, latency_ms: int, contacts: int) -> str:
        return f"http://127.0.0.1:{self.port}/bench/{latency_ms}/{contacts}"

    def stats(self) -> dict[str, float]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as r:
            answer: dict[str, float] = json.loads(r.read())
        return answer


class WorkerFailed(Exception):
    """A worker process exited with an error."""


def run_worker_passing_stderr(python: str, job: dict[str, Any]) -> str:
    """Run one worker job, its stderr going to ours; returns its stdout."""
    done = subprocess.run(
        [python, str(WORKER), json.dumps(job)],
        stdout=subprocess.PIPE,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        cwd=HERE,
        check=True,
    )
    return done.stdout


def run_worker(python: str, job: dict[str, Any]) -> dict[str, Any]:
    """Run one worker job with the given interpreter and return its JSON answer."""
    done = subprocess.run(
        [python, str(WORKER), json.dumps(job)],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        cwd=HERE,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-6:])
        raise WorkerFailed(f"{job['task']} exited with {done.returncode}: {tail}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@dataclass
class Interpreters:
    """The python to run each implementation with, and what each can do (its probe)."""

    pythons: dict[Impl, str]
    probes: dict[Impl, dict[str, Any]]

    def skip_reason(self, variant: Variant) -> str | None:
        if self.probes[variant.impl]["available"].get(variant.task, False):
            return None
        needs = "go_http.aio" if "async" in variant.task else "go_http.bulk"
        return f"{needs} is not in this checkout yet"


def job_for(scenario: Scenario, variant: Variant, server: FakeServer) -> dict[str, Any]:
    base = server.base(scenario.latency_ms, scenario.contacts)
    job: dict[str, Any] = {
        "task": variant.task,
        "send_url": f"{base}/api/v1/go/http_api_nostream",
        "api_url": f"{base}/api/v1/go",
        **variant.params,
    }
    if scenario.kind == "send":
        job["count"] = variant.count
    else:
        job["work_us"] = scenario.work_us
        job["expected_items"] = scenario.contacts
    return job


def measured_run(python: str, job: dict[str, Any], server: FakeServer) -> dict[str, Any]:
    """One worker run, with the server's CPU and request count during it."""
    before = server.stats()
    answer = run_worker(python, job)
    after = server.stats()
    # Both stats calls are counted by the server; the second one is not part of the run.
    answer["server_cpu_s"] = after["cpu_s"] - before["cpu_s"]
    answer["server_requests"] = after["requests"] - before["requests"] - 1
    return answer


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_scenario(
    scenario: Scenario, rounds: int, server: FakeServer, interpreters: Interpreters
) -> dict[str, Any]:
    """Measure every variant once per round, alternating the order between rounds.

    Alternating (baseline first, then last) spreads slow drifts of a shared machine over
    both sides; each round's ratios are taken against that round's baseline run.
    """
    runs: dict[str, list[dict[str, Any]]] = {v.key: [] for v in scenario.variants}
    skipped = {v.key: reason for v in scenario.variants if (reason := interpreters.skip_reason(v))}
    active = [v for v in scenario.variants if v.key not in skipped]
    for round_index in range(rounds):
        order = active if round_index % 2 == 0 else list(reversed(active))
        for variant in order:
            progress(f"  {scenario.key} round {round_index + 1}/{rounds}: {variant.key}")
            job = job_for(scenario, variant, server)
            try:
                answer = measured_run(interpreters.pythons[variant.impl], job, server)
            except (WorkerFailed, subprocess.TimeoutExpired) as failure:
                answer = {"error": str(failure)}
                progress(f"    failed: {failure}")
            answer["round"] = round_index
            runs[variant.key].append(answer)
    return {"scenario": scenario.key, "runs": runs, "skipped": skipped}


def run_memory_check(plan: Plan, server: FakeServer, interpreters: Interpreters) -> dict[str, Any]:
    """Walk a small and a large collection once each with tracemalloc on, per variant."""
    walk = next(s for s in plan.scenarios if s.kind == "walk" and s.latency_ms == 0)
    results: dict[str, Any] = {"counts": list(plan.memory_counts), "runs": {}, "skipped": {}}
    for variant in walk.variants:
        reason = interpreters.skip_reason(variant)
        if reason:
            results["skipped"][variant.key] = reason
            continue
        per_count: dict[str, Any] = {}
        for count in plan.memory_counts:
            progress(f"  memory: {variant.key} walking {count:,} contacts")
            sized = Scenario(walk.key, walk.title, "walk", 0, walk.variants, contacts=count)
            job = {**job_for(sized, variant, server), "trace_memory": True}
            try:
                per_count[str(count)] = run_worker(interpreters.pythons[variant.impl], job)
            except (WorkerFailed, subprocess.TimeoutExpired) as failure:
                per_count[str(count)] = {"error": str(failure)}
        results["runs"][variant.key] = per_count
    return results
