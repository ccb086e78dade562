"""One measured client run, in its own process: prints one JSON object on stdout.

Run with the interpreter whose ``go_http`` is measured (the baseline venv's python for
go-http 0.3.2, the project venv's for this repo): both are imported as ``go_http``, so
they can never share a process.  Only stdlib and the public API that both versions share
(``HttpApiSender.send_text``, ``ContactsApiClient.contacts()``) are used, plus the new
``go_http.bulk`` / ``go_http.aio`` modules for the variants only this repo has.

Usage: ``python client_worker.py '<json job>'`` where the job names a ``task``
(``probe``, ``send_seq``, ``send_bulk``, ``send_async_bulk``, ``send_aiohttp_only``,
``walk``, ``walk_async``)
and its parameters (``send_url``/``api_url``, ``count``, ``concurrency``, ``work_us``,
``trace_memory``, ``profile``).  The answer holds wall and CPU seconds of the measured part only
(imports, client set-up and one warm-up request are outside it), the peak RSS growth
during it, and, when ``trace_memory`` is set, the tracemalloc peak.
"""

from __future__ import annotations

import asyncio
import cProfile
import importlib
import json
import pstats
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import go_http

if TYPE_CHECKING:  # 0.3.2 has no bulk module: only ours imports it, to run bulk variants
    from go_http.bulk import BulkReport

ACCOUNT_KEY = "bench-account"
CONVERSATION_KEY = "bench-conversation"
CONVERSATION_TOKEN = "bench-conversation-token"  # only ever sent to the loopback fake
AUTH_TOKEN = "bench-auth-token"
CONTENT = "Hello from the go-http benchmark"

Job = dict[str, Any]


def optional_module(name: str) -> Any:
    """A module this repo may not have yet (``None`` if it cannot be imported)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def address(index: int) -> str:
    return f"+2782{index:07d}"


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def busy_work(microseconds: float) -> Callable[[], None]:
    """Caller work per item: spin (not sleep) so it costs CPU like real processing."""
    seconds = microseconds / 1_000_000

    def work() -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass

    return work


def sender(job: Job) -> Any:
    from go_http.send import HttpApiSender

    return HttpApiSender(
        ACCOUNT_KEY, CONVERSATION_KEY, CONVERSATION_TOKEN, api_url=job["send_url"]
    )


def contacts_client(job: Job) -> Any:
    from go_http.contacts import ContactsApiClient

    return ContactsApiClient(AUTH_TOKEN, api_url=job["api_url"])


class Measurement:
    """Wall, CPU and peak-memory growth of the block it wraps.

    With ``profile`` set the block also runs under cProfile, whose top functions (by own
    time) go to stderr: it slows the run, so its timings are only good for finding where
    the time goes.
    """

    def __init__(self, trace_memory: bool, profile: bool = False) -> None:
        self.trace_memory = trace_memory
        self.profiler = cProfile.Profile() if profile else None
        self.result: dict[str, float] = {}

    def __enter__(self) -> Measurement:
        if self.trace_memory:
            tracemalloc.start()
        if self.profiler is not None:
            self.profiler.enable()
        self.rss_before = peak_rss_kib()
        self.cpu_start = time.process_time()
        self.wall_start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        wall = time.perf_counter() - self.wall_start
        cpu = time.process_time() - self.cpu_start
        if self.profiler is not None:
            self.profiler.disable()
            pstats.Stats(self.profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
        self.result = {
            "wall_s": wall,
            "cpu_s": cpu,
            "rss_before_kib": self.rss_before,
            "rss_growth_kib": peak_rss_kib() - self.rss_before,
        }
        if self.trace_memory:
            self.result["tracemalloc_peak_kib"] = tracemalloc.get_traced_memory()[1] / 1024
            tracemalloc.stop()


def measurement(job: Job) -> Measurement:
    return Measurement(job.get("trace_memory", False), job.get("profile", False))


def send_seq(job: Job) -> dict[str, Any]:
    api = sender(job)
    api.send_text(address(0), CONTENT)
    count = job["count"]
    with measurement(job) as measured:
        for index in range(count):
            api.send_text(address(index), CONTENT)
    api.session.close()
    return {**measured.result, "items": count}


def bulk_outcome(report: BulkReport, count: int) -> dict[str, int]:
    """The bulk report's counts; a run that did not send every message is an error."""
    counts = {
        "sent": report.sent,
        "skipped": report.skipped,
        "failed": report.failed,
        "unknown": report.unknown,
        "throttled": report.throttled,
        "lowest_concurrency": report.lowest_concurrency,
    }
    if report.sent != count:
        raise SystemExit(f"bulk send did not send all {count} messages: {counts}")
    return counts


def bulk_messages(count: int) -> list[dict[str, str]]:
    return [{"to_addr": address(index), "content": CONTENT} for index in range(count)]


def send_bulk(job: Job) -> dict[str, Any]:
    from go_http.bulk import send_bulk

    count = job["count"]
    messages = bulk_messages(count)
    api = sender(job)
    api.send_text(address(0), CONTENT)
    with measurement(job) as measured:
        outcome = send_bulk(api, messages, concurrency=job["concurrency"])
    api.session.close()
    return {**measured.result, "items": count, "outcome": bulk_outcome(outcome, count)}


def send_async_bulk(job: Job) -> dict[str, Any]:
    from go_http.aio import AsyncHttpApiSender
    from go_http.bulk import async_send_bulk

    count = job["count"]
    messages = bulk_messages(count)

    async def run() -> tuple[dict[str, float], BulkReport]:
        async with AsyncHttpApiSender(
            ACCOUNT_KEY, CONVERSATION_KEY, CONVERSATION_TOKEN, api_url=job["send_url"]
        ) as api:
            await api.send_text(address(0), CONTENT)
            with measurement(job) as measured:
                outcome = await async_send_bulk(api, messages, concurrency=job["concurrency"])
        return measured.result, outcome

    result, outcome = asyncio.run(run())
    return {**result, "items": count, "outcome": bulk_outcome(outcome, count)}


def send_aiohttp_only(job: Job) -> dict[str, Any]:
    """The floor under ``send_bulk``: the same sends with aiohttp alone, no go_http.

    As ``send_bulk`` does: its own event loop (uvloop, or with ``loop="asyncio"`` the
    standard one, the floor under ``async_send_bulk`` run by ``asyncio.run``) and session
    (so the connections are set up inside the measured part), ``concurrency`` workers, a
    JSON body encoded and an answer decoded per message, the same timeouts.  Nothing
    else: no validation, retries, outcomes or opt-out handling.
    """
    import base64

    import aiohttp
    import uvloop

    count = job["count"]
    messages = bulk_messages(count)
    url = f"{job['send_url']}/{CONVERSATION_KEY}/messages.json"
    credentials = base64.b64encode(f"{ACCOUNT_KEY}:{CONVERSATION_TOKEN}".encode()).decode()
    headers = {
        "Authorization": f"Basic {credentials}",
        "Content-Type": "application/json; charset=utf-8",
    }
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=30)

    async def run() -> int:
        connector = aiohttp.TCPConnector(limit=job["concurrency"])
        async with aiohttp.ClientSession(connector=connector) as session:
            pending = iter(messages)
            sent = 0

            async def worker() -> None:
                nonlocal sent
                for message in pending:
                    body = json.dumps(message).encode()
                    async with session.put(url, data=body, headers=headers, timeout=timeout) as r:
                        if r.status == 200 and "message_id" in json.loads(await r.read()):
                            sent += 1

            await asyncio.gather(*(worker() for _ in range(job["concurrency"])))
            return sent

    run_loop = asyncio.run if job.get("loop") == "asyncio" else uvloop.run
    with measurement(job) as measured:
        sent = run_loop(run())
    if sent != count:
        raise SystemExit(f"aiohttp alone sent {sent} of {count} messages")
    return {**measured.result, "items": count}


def walk(job: Job) -> dict[str, Any]:
    work = busy_work(job.get("work_us", 0))
    spin = job.get("work_us", 0) > 0
    api = contacts_client(job)
    next(iter(api.contacts()))
    with measurement(job) as measured:
        count = 0
        for _contact in api.contacts():
            count += 1
            if spin:
                work()
    api.session.close()
    return {**measured.result, "items": count}


def walk_async(job: Job) -> dict[str, Any]:
    from go_http.aio import AsyncContactsApiClient

    work = busy_work(job.get("work_us", 0))
    spin = job.get("work_us", 0) > 0

    async def run() -> tuple[dict[str, float], int]:
        async with AsyncContactsApiClient(AUTH_TOKEN, api_url=job["api_url"]) as api:
            warm_up = api.contacts()
            async for _contact in warm_up:
                break
            await warm_up.aclose()  # no prefetch of the warm-up walk may overlap the measured one
            count = 0
            with measurement(job) as measured:
                async for _contact in api.contacts():
                    count += 1
                    if spin:
                        work()
        return measured.result, count

    result, count = asyncio.run(run())
    return {**result, "items": count}


def probe(job: Job) -> dict[str, Any]:
    """Which variants this interpreter's ``go_http`` can run, and library versions."""
    import requests

    bulk = optional_module("go_http.bulk")
    aio = optional_module("go_http.aio")
    available = {
        "send_seq": True,
        "walk": True,
        "send_bulk": bulk is not None and hasattr(bulk, "send_bulk"),
        "send_async_bulk": (
            bulk is not None
            and hasattr(bulk, "async_send_bulk")
            and aio is not None
            and hasattr(aio, "AsyncHttpApiSender")
        ),
        "walk_async": aio is not None and hasattr(aio, "AsyncContactsApiClient"),
        "send_aiohttp_only": all(
            optional_module(name) is not None for name in ("aiohttp", "uvloop")
        ),
    }
    modules = {}
    for name in ("account", "contacts", "metrics", "optouts", "send"):
        try:
            importlib.import_module(f"go_http.{name}")
            modules[name] = "imports"
        except Exception as exc:  # an import-time crash is what this looks for
            modules[name] = f"fails: {type(exc).__name__}: {exc}"
    return {
        "modules": modules,
        "go_http_file": go_http.__file__,
        "go_http_version": getattr(go_http, "__version__", None),
        "requests_version": requests.__version__,
        "python": sys.version.split()[0],
        "available": available,
    }


TASKS: dict[str, Callable[[Job], dict[str, Any]]] = {
    "probe": probe,
    "send_seq": send_seq,
    "send_bulk": send_bulk,
    "send_async_bulk": send_async_bulk,
    "send_aiohttp_only": send_aiohttp_only,
    "walk": walk,
    "walk_async": walk_async,
}


def main() -> None:
    job: Job = json.loads(sys.argv[1])
    result = TASKS[job["task"]](job)
    if "items" in result and "expected_items" in job and result["items"] != job["expected_items"]:
        raise SystemExit(f"expected {job['expected_items']} items, got {result['items']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
