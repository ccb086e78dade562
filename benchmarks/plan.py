"""What the benchmark runs: scenarios, their variants, counts and targets.

Counts are scaled per scenario so each measured run takes a few seconds at most; every
result is reported as a rate (items per second), so runs of different sizes compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Impl = Literal["baseline", "ours"]

BULK_CONCURRENCY = 64
CALLER_WORK_US = 10
CONTACTS_TOTAL = 100_000
BULK_CPU_TARGET_PER_1000 = 0.15
MEMORY_TARGET_MIB = 15.0


@dataclass(frozen=True)
class Variant:
    """One way of doing a scenario's job, measured in its own worker process.

    :ivar str key: a short stable name (used in the JSON results).
    :ivar str label: what the row is called in RESULTS.md.
    :ivar impl: ``baseline`` (go-http 0.3.2) or ``ours`` (this repo).
    :ivar str task: the worker task (see ``client_worker.py``).
    :ivar int count: messages to send (walks use the scenario's contact count).
    :ivar target_ratio: the least acceptable rate ratio to the baseline, if any.
    :ivar cpu_target_per_1000: the most client CPU seconds per 1,000 items, if any.
    """

    key: str
    label: str
    impl: Impl
    task: str
    count: int = 0
    target_ratio: float | None = None
    cpu_target_per_1000: float | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """Variants measured together, round by round, against the first (the baseline).

    :ivar str kind: ``send`` or ``walk`` (what the items are: messages or contacts).
    """

    key: str
    title: str
    kind: Literal["send", "walk"]
    latency_ms: int
    variants: tuple[Variant, ...]
    contacts: int = CONTACTS_TOTAL
    work_us: float = 0

    @property
    def baseline(self) -> Variant:
        return self.variants[0]


@dataclass(frozen=True)
class Plan:
    """A whole benchmark run: scenarios, rounds each, and the memory-growth check."""

    name: str
    rounds: int
    scenarios: tuple[Scenario, ...]
    memory_counts: tuple[int, int]


def send_scenario(latency_ms: int, sequential: int, bulk: int) -> Scenario:
    bulk_target = 5.0 if latency_ms == 0 else 40.0
    return Scenario(
        key=f"send-{latency_ms}ms",
        title=f"Sending messages, {latency_ms} ms server latency",
        kind="send",
        latency_ms=latency_ms,
        variants=(
            Variant("baseline-seq", "0.3.2 `send_text`, sequential", "baseline", "send_seq",
                    sequential),
            Variant("ours-seq", "ours `send_text`, sequential (scenario 1)", "ours", "send_seq",
                    sequential, target_ratio=0.95),
            Variant("ours-bulk", f"ours `send_bulk`, concurrency={BULK_CONCURRENCY} (scenario 2)",
                    "ours", "send_bulk", bulk, target_ratio=bulk_target,
                    cpu_target_per_1000=BULK_CPU_TARGET_PER_1000,
                    params={"concurrency": BULK_CONCURRENCY}),
            Variant("ours-async-bulk",
                    f"ours `async_send_bulk`, concurrency={BULK_CONCURRENCY} (scenario 2)",
                    "ours", "send_async_bulk", bulk, target_ratio=bulk_target,
                    cpu_target_per_1000=BULK_CPU_TARGET_PER_1000,
                    params={"concurrency": BULK_CONCURRENCY}),
            Variant("aiohttp-only",
                    f"reference: aiohttp alone, {BULK_CONCURRENCY} workers, uvloop, no go_http",
                    "ours", "send_aiohttp_only", bulk,
                    params={"concurrency": BULK_CONCURRENCY}),
            Variant("aiohttp-only-asyncio",
                    f"reference: aiohttp alone, {BULK_CONCURRENCY} workers, asyncio loop, "
                    "no go_http",
                    "ours", "send_aiohttp_only", bulk,
                    params={"concurrency": BULK_CONCURRENCY, "loop": "asyncio"}),
        ),
    )  # fmt: skip


def walk_scenario(latency_ms: int, contacts: int, work_us: float) -> Scenario:
    sync_target, async_target = (2.0, None) if latency_ms == 0 else (6.0, 8.0)
    work = f", {work_us:g} us caller work per contact" if work_us else ""
    return Scenario(
        key=f"walk-{latency_ms}ms",
        title=f"Walking {contacts:,} contacts, {latency_ms} ms server latency{work}",
        kind="walk",
        latency_ms=latency_ms,
        contacts=contacts,
        work_us=work_us,
        variants=(
            Variant("baseline-walk", "0.3.2 `contacts()` (server default: 100 per page)",
                    "baseline", "walk"),
            Variant("ours-walk", "ours `contacts()` (1,000 per page)", "ours", "walk",
                    target_ratio=sync_target),
            Variant("ours-async-walk", "ours async `contacts()` (prefetching)", "ours",
                    "walk_async", target_ratio=async_target),
        ),
    )  # fmt: skip


FULL = Plan(
    name="full",
    rounds=5,
    scenarios=(
        send_scenario(0, sequential=2000, bulk=10_000),
        send_scenario(20, sequential=150, bulk=5000),
        walk_scenario(0, CONTACTS_TOTAL, 0),
        walk_scenario(20, CONTACTS_TOTAL, CALLER_WORK_US),
    ),
    memory_counts=(10_000, CONTACTS_TOTAL),
)

QUICK = Plan(
    name="quick",
    rounds=1,
    scenarios=(
        send_scenario(0, sequential=300, bulk=1000),
        send_scenario(20, sequential=25, bulk=500),
        walk_scenario(0, 20_000, 0),
        walk_scenario(20, 5000, CALLER_WORK_US),
    ),
    memory_counts=(2000, 20_000),
)
