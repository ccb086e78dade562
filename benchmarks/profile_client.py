"""Where does a client's time go?  One variant's run under cProfile, against the fake server.

Usage (from the repo root)::

    .venv/bin/python benchmarks/profile_client.py walk-0ms ours-walk
    .venv/bin/python benchmarks/profile_client.py send-0ms baseline-seq

The first argument is a scenario of the full plan, the second one of its variants (see
``benchmarks/plan.py``).  The worker prints the 30 functions with the most own time to
stderr, then its (profiler-slowed) measurements as JSON.
"""

from __future__ import annotations

import argparse
import sys

from baseline_env import ensure_baseline
from measure import REPO_PYTHON, FakeServer, job_for, run_worker_passing_stderr
from plan import FULL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=[s.key for s in FULL.scenarios])
    parser.add_argument("variant", help="a variant key, e.g. ours-walk or baseline-seq")
    parser.add_argument("--ours-python", default=REPO_PYTHON)
    args = parser.parse_args()
    scenario = next(s for s in FULL.scenarios if s.key == args.scenario)
    variants = {v.key: v for v in scenario.variants}
    if args.variant not in variants:
        parser.error(f"variant must be one of {sorted(variants)}")
    variant = variants[args.variant]
    python = str(ensure_baseline()) if variant.impl == "baseline" else args.ours_python
    with FakeServer(args.ours_python) as server:
        job = {**job_for(scenario, variant, server), "profile": True}
        print(run_worker_passing_stderr(python, job), file=sys.stdout)


if __name__ == "__main__":
    main()
