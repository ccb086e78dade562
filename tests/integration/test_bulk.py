"""Bulk sending against the sandbox over loopback: outcomes, throttling, rate, resume."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from go_http import HttpApiSender, OptOutsApiClient, RetryPolicy
from go_http.aio import AsyncHttpApiSender
from go_http.bulk import JournalError, async_send_bulk, send_bulk
from go_http.testing import Sandbox, SandboxAccount
from tests.integration.bulk_worker import recipient

WORKER = Path(__file__).with_name("bulk_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def sender_for(account: SandboxAccount, **kwargs: object) -> HttpApiSender:
    return HttpApiSender(
        account.account_key,
        account.conversation_key,
        account.conversation_token,
        api_url=account.send_url,
        **kwargs,  # type: ignore[arg-type]
    )


def opt_out(account: SandboxAccount, *addresses: str) -> None:
    client = OptOutsApiClient(account.auth_token, api_url=account.api_url)
    for address in addresses:
        client.set_optout("msisdn", address)


def test_bulk_send_counts_sent_skipped_and_failed(go_sandbox: SandboxAccount) -> None:
    addresses = [recipient(i) for i in range(300)]
    opted_out = set(addresses[::50])
    opt_out(go_sandbox, *opted_out)
    messages: list[dict[str, object]] = [
        {"to_addr": a, "content": f"hi {i}"} for i, a in enumerate(addresses)
    ]
    messages[7] = {"to_addr": "", "content": "no address"}
    messages[8] = {"to_addr": addresses[8], "contnet": "typo"}
    messages[9] = {"to_addr": addresses[9], "content": "x", "session_event": "bogus"}
    seen: list[str] = []

    report = send_bulk(
        sender_for(go_sandbox), messages, concurrency=8, progress=lambda o: seen.append(o.id)
    )

    assert (report.sent, report.skipped, report.failed, report.unknown) == (291, 6, 3, 0)
    assert sorted(seen, key=int) == [str(i) for i in range(300)]
    assert report.outcomes is not None
    by_id = {o.id: o for o in report.outcomes}
    assert "to_addr" in (by_id["7"].reason or "")
    assert "contnet" in (by_id["8"].reason or "")
    assert by_id["50"].status == "skipped"
    assert "opted out" in (by_id["50"].reason or "")
    received = Counter(m["to_addr"] for m in go_sandbox.outbound_messages())
    assert set(received.values()) == {1}
    assert set(received) == set(addresses) - opted_out - {addresses[7], addresses[8], addresses[9]}
    sent_ids = {m["message_id"] for m in go_sandbox.outbound_messages()}
    assert {o.message_id for o in report.outcomes if o.status == "sent"} == sent_ids


async def test_async_bulk_accepts_an_async_iterable(go_sandbox: SandboxAccount) -> None:
    async def messages() -> AsyncIterator[dict[str, str]]:
        for i in range(40):
            yield {"id": f"m-{i}", "to_addr": recipient(i), "content": "async"}

    async with AsyncHttpApiSender(
        go_sandbox.account_key,
        go_sandbox.conversation_key,
        go_sandbox.conversation_token,
        api_url=go_sandbox.send_url,
    ) as sender:
        report = await async_send_bulk(sender, messages(), concurrency=4)
    assert report.sent == 40
    assert report.outcomes is not None
    assert {o.id for o in report.outcomes} == {f"m-{i}" for i in range(40)}
    assert len(go_sandbox.outbound_messages()) == 40


def test_rate_limit_spaces_the_sends(go_sandbox: SandboxAccount) -> None:
    now = [100.0]
    starts: list[float] = []

    def clock() -> float:
        return now[0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    report = send_bulk(
        sender_for(go_sandbox),
        ({"to_addr": recipient(i), "content": "paced"} for i in range(20)),
        concurrency=5,
        rate=10,
        clock=clock,
        sleep=sleep,
        progress=lambda o: starts.append(now[0]),
    )
    assert report.sent == 20
    # 20 messages at 10 per second: the 20th may start 1.9 s after the first, not sooner.
    assert now[0] - 100.0 == pytest.approx(1.9)
    assert len(go_sandbox.outbound_messages()) == 20


@pytest.fixture(scope="module")
def limited_sandbox() -> Iterator[Sandbox]:
    """A sandbox allowing 2 simultaneous conversation requests, each held 20 ms."""
    with Sandbox(concurrency_limit=2, request_delay=0.02) as sandbox:
        yield sandbox


def test_concurrency_limit_slows_down_instead_of_failing(limited_sandbox: Sandbox) -> None:
    account = limited_sandbox.add_account()

    async def no_wait(_seconds: float) -> None:
        await asyncio.sleep(0)

    report = send_bulk(
        sender_for(account, retry=RetryPolicy(retries=0)),
        ({"to_addr": recipient(i), "content": "x"} for i in range(60)),
        concurrency=8,
        sleep=no_wait,
    )
    assert (report.sent, report.failed, report.unknown) == (60, 0, 0)
    assert report.throttled > 0
    assert report.lowest_concurrency <= 2
    received = Counter(m["to_addr"] for m in account.outbound_messages())
    assert len(received) == 60
    assert set(received.values()) == {1}


def test_journal_refuses_another_conversation(go_sandbox: SandboxAccount, tmp_path: Path) -> None:
    journal = tmp_path / "send.journal"
    send_bulk(sender_for(go_sandbox), [{"to_addr": recipient(1), "content": "a"}], journal=journal)
    other = go_sandbox.add_account()
    with pytest.raises(JournalError, match="belongs to a send through conversation"):
        send_bulk(sender_for(other), [{"to_addr": recipient(1), "content": "a"}], journal=journal)
    assert other.outbound_messages() == []


def test_rerun_with_journal_sends_nothing_twice(
    go_sandbox: SandboxAccount, tmp_path: Path
) -> None:
    journal = tmp_path / "send.journal"
    messages = [{"to_addr": recipient(i), "content": "once"} for i in range(30)]
    first = send_bulk(sender_for(go_sandbox), messages, journal=journal)
    again = send_bulk(sender_for(go_sandbox), messages, journal=journal)
    assert (first.sent, again.sent, again.already_done) == (30, 0, 30)
    assert len(go_sandbox.outbound_messages()) == 30
    changed = [{"to_addr": recipient(99), "content": "other"}]
    with pytest.raises(JournalError, match="input changed"):
        send_bulk(sender_for(go_sandbox), changed, journal=journal)


# -- kill and resume ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_sandbox() -> Iterator[Sandbox]:
    """A sandbox whose sends take 5 ms, so a worker can be stopped mid-way."""
    with Sandbox(concurrency_limit=-1, request_delay=0.005) as sandbox:
        yield sandbox


def start_worker(
    account: SandboxAccount, journal: Path, count: int, **options: object
) -> subprocess.Popen[str]:
    job = {
        "send_url": account.send_url,
        "account_key": account.account_key,
        "conversation_key": account.conversation_key,
        "conversation_token": account.conversation_token,
        "journal": str(journal),
        "count": count,
        "concurrency": 6,
        **options,
    }
    return subprocess.Popen(
        [sys.executable, str(WORKER), json.dumps(job)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def stop_after(worker: subprocess.Popen[str], outcomes: int, sig: signal.Signals) -> list[str]:
    assert worker.stdout is not None
    lines: list[str] = []
    for line in worker.stdout:
        lines.append(line.strip())
        if len(lines) == outcomes:
            worker.send_signal(sig)
            break
    rest, _ = worker.communicate(timeout=30)
    return lines + rest.splitlines()


def finish(account: SandboxAccount, journal: Path, count: int) -> dict[str, int]:
    worker = start_worker(account, journal, count)
    out, _ = worker.communicate(timeout=60)
    last = out.strip().splitlines()[-1]
    assert last.startswith("done "), out[-500:]
    counts: dict[str, int] = json.loads(last[len("done ") :])
    return counts


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_stopped_send_resumes_without_duplicates_or_gaps(
    slow_sandbox: Sandbox, tmp_path: Path, sig: signal.Signals
) -> None:
    account = slow_sandbox.add_account()
    count = 250
    opted_out = {recipient(i) for i in range(0, count, 40)}
    opt_out(account, *opted_out)
    journal = tmp_path / "send.journal"

    first = stop_after(start_worker(account, journal, count), 80, sig)
    assert not any(line.startswith("done") for line in first), "the worker finished too soon"
    if sig == signal.SIGINT:
        assert first[-1] == "interrupted"
    before = len(account.outbound_messages())
    assert 0 < before < count

    counts = finish(account, journal, count)

    received = Counter(m["to_addr"] for m in account.outbound_messages())
    wanted = {recipient(i) for i in range(count)} - opted_out
    assert set(received.values()) == {1}, "somebody got the message twice"
    with sqlite3.connect(journal) as db:
        rows = db.execute("SELECT to_addr FROM messages WHERE status = 'unknown'").fetchall()
    unknown = {row[0] for row in rows}
    # Only requests in flight at a SIGKILL can be unknown (they may or may not have
    # reached the server), and they are reported; Ctrl-C lets them finish instead.
    assert wanted - set(received) <= unknown
    assert len(unknown) == counts["unknown"] <= (6 if sig == signal.SIGKILL else 0)
    assert set(received) <= wanted
    assert sum(counts.values()) == count
    assert counts["failed"] == 0


@pytest.fixture(scope="module")
def slower_sandbox() -> Iterator[Sandbox]:
    """A sandbox whose sends take 300 ms, so a Ctrl-C lands while they are in flight."""
    with Sandbox(concurrency_limit=-1, request_delay=0.3) as sandbox:
        yield sandbox


def journal_counts(journal: Path) -> dict[str, int]:
    with sqlite3.connect(journal) as db:
        return dict(db.execute("SELECT status, COUNT(*) FROM messages GROUP BY status"))


@pytest.mark.parametrize("python310_ctrl_c", [False, True], ids=["asyncio.run", "python3.10"])
def test_ctrl_c_after_the_input_is_read_records_every_request_in_flight(
    slower_sandbox: Sandbox, tmp_path: Path, python310_ctrl_c: bool
) -> None:
    account = slower_sandbox.add_account()
    journal = tmp_path / "send.journal"
    worker = start_worker(account, journal, 5, python310_ctrl_c=python310_ctrl_c)
    assert worker.stdout is not None
    for line in worker.stdout:
        if line.strip() == "input used up":
            worker.send_signal(signal.SIGINT)  # one Ctrl-C, with all five in flight
            break
    rest, _ = worker.communicate(timeout=30)
    assert rest.splitlines()[-1] == "interrupted"
    assert worker.returncode == 130
    # The answers were awaited and recorded: nothing is left unknown.
    assert journal_counts(journal) == {"sent": 5}
    assert len(account.outbound_messages()) == 5


def test_a_second_process_cannot_run_on_a_journal_in_use(
    slower_sandbox: Sandbox, tmp_path: Path
) -> None:
    account = slower_sandbox.add_account()
    journal = tmp_path / "send.journal"
    first = start_worker(account, journal, 5, hold=True)
    assert first.stdout is not None
    assert first.stdout.readline().strip() == "input used up"  # and holds the journal
    second = start_worker(account, journal, 5)
    out, _ = second.communicate(timeout=30)
    assert out.startswith("refused "), out
    assert "in use" in out
    first_out, _ = first.communicate("go\n", timeout=30)
    assert first_out.strip().splitlines()[-1].startswith("done ")
    received = Counter(m["to_addr"] for m in account.outbound_messages())
    assert len(received) == 5
    assert set(received.values()) == {1}
