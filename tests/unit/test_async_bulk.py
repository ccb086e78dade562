"""The bulk engine against a scripted transport: outcomes, journal resume, throttling,
laziness and cancellation."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from go_http import HttpApiSender
from go_http._operation import HttpResponse, Operation, map_error
from go_http.aio import AsyncHttpApiSender
from go_http.bulk import JournalError, MessageOutcome, async_send_bulk, send_bulk
from go_http.exceptions import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    UserOptedOutException,
)


def api_error(status: int, body: bytes) -> Exception:
    return map_error(HttpResponse(status, body, "http://h/x"), "PUT")


class ScriptedSends:
    """Stands in for the transport: per address, a list of results to give in turn
    (an exception to raise, or ``"ok"``); anything unscripted succeeds."""

    def __init__(self, script: dict[str, list[Any]] | None = None) -> None:
        self.script = script or {}
        self.sent: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.gate: asyncio.Event | None = None

    async def run(self, operation: Operation[Any], base_url: str) -> Any:
        to_addr = operation.request.body["to_addr"]
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)
            if self.gate is not None:
                await self.gate.wait()
            steps = self.script.get(to_addr)
            result = steps.pop(0) if steps else "ok"
            if isinstance(result, Exception):
                response = HttpResponse(400, b"opted out", base_url)
                if isinstance(result, UserOptedOutException):
                    return operation.on_error(map_error(response, "PUT"))
                raise result
            self.sent.append(to_addr)
            return {"message_id": f"id-{to_addr}", "to_addr": to_addr}
        finally:
            self.in_flight -= 1

    async def close(self) -> None:
        pass


def scripted_sender(sends: ScriptedSends) -> AsyncHttpApiSender:
    sender = AsyncHttpApiSender("acc", "conv", "tok", api_url="http://go.test/x")
    sender._transport = sends  # type: ignore[assignment]
    return sender


def messages(count: int) -> Iterator[dict[str, Any]]:
    return ({"to_addr": f"+27{i:04d}", "content": f"m{i}"} for i in range(count))


async def no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


OPTED_OUT = UserOptedOutException("x", None, "opted out")


async def test_outcomes_per_kind_of_answer() -> None:
    sends = ScriptedSends(
        {
            "+270001": [OPTED_OUT],
            "+270002": [api_error(400, b'{"success": false, "reason": "too long"}')],
            "+270003": [api_error(500, b"boom")],
            "+270004": [ApiTimeoutError("read", request_sent=True)],
            "+270005": [ApiConnectionError("refused", request_sent=False)],
        }
    )
    report = await async_send_bulk(scripted_sender(sends), messages(8), concurrency=3)
    assert report.outcomes is not None
    status = {o.to_addr: o.status for o in report.outcomes}
    assert status == {
        "+270000": "sent",
        "+270001": "skipped",
        "+270002": "failed",
        "+270003": "unknown",
        "+270004": "unknown",
        "+270005": "failed",
        "+270006": "sent",
        "+270007": "sent",
    }
    assert (report.sent, report.skipped, report.failed, report.unknown) == (3, 1, 2, 2)
    sent = next(o for o in report.outcomes if o.to_addr == "+270000")
    assert sent.message_id == "id-+270000"
    assert "may or may not" in (
        next(o for o in report.outcomes if o.to_addr == "+270003").reason or ""
    )


async def test_never_more_than_concurrency_in_flight_and_input_read_lazily() -> None:
    sends = ScriptedSends()
    pulled = 0
    pulled_at_outcome: list[int] = []

    def endless() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for message in messages(10_000):
            pulled += 1
            yield message

    def progress(outcome: MessageOutcome) -> None:
        pulled_at_outcome.append(pulled)

    report = await async_send_bulk(
        scripted_sender(sends), endless(), concurrency=4, progress=progress, keep_outcomes=False
    )
    assert report.sent == 10_000
    assert report.outcomes is None
    assert sends.most_in_flight == 4
    # The input is read only a few messages ahead of the outcomes: never materialised.
    assert all(p <= n + 1 + 4 + 1 for n, p in enumerate(pulled_at_outcome))


async def test_concurrency_limit_answers_slow_down_and_retry() -> None:
    limit = api_error(403, b"<html>Too many concurrent connections</html>")
    script = {f"+27{i:04d}": [limit, limit] for i in range(0, 8)}
    sends = ScriptedSends(script)
    report = await async_send_bulk(
        scripted_sender(sends), messages(40), concurrency=8, sleep=no_wait
    )
    assert (report.sent, report.failed, report.unknown) == (40, 0, 0)
    assert report.throttled == 16
    assert report.lowest_concurrency < 8
    assert sorted(sends.sent) == sorted(f"+27{i:04d}" for i in range(40))


async def test_bad_messages_fail_with_a_reason_and_are_not_sent() -> None:
    sends = ScriptedSends()
    bad: list[Any] = [
        "just a string",
        {"content": "no address"},
        {"to_addr": "+1", "content": 5},
        {"to_addr": "+2", "content": "x", "priority": "high"},
        {"to_addr": "+3", "content": "x", "helper_metadata": "nope"},
        {"to_addr": "+4", "content": "fine", "id": "ok-1"},
    ]
    report = await async_send_bulk(scripted_sender(sends), bad)
    assert report.outcomes is not None
    reasons = {o.id: o.reason for o in report.outcomes}
    assert "dict" in (reasons["0"] or "")
    assert "to_addr" in (reasons["1"] or "")
    assert "content" in (reasons["2"] or "")
    assert "priority" in (reasons["3"] or "")
    assert "helper_metadata" in (reasons["4"] or "")
    assert (report.failed, report.sent, sends.sent) == (5, 1, ["+4"])


async def test_refused_credentials_stop_the_run(tmp_path: Path) -> None:
    sends = ScriptedSends({"+270002": [api_error(401, b"Unauthorized")]})
    with pytest.raises(AuthenticationError):
        await async_send_bulk(scripted_sender(sends), messages(1000), concurrency=2)
    assert len(sends.sent) < 10


def journal_rows(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT id, status FROM messages"))


async def test_resume_sends_failed_again_but_not_sent_skipped_or_unknown(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    sends = ScriptedSends(
        {
            "+270001": [OPTED_OUT],
            "+270002": [ApiConnectionError("refused", request_sent=False)],
            "+270003": [api_error(502, b"bad gateway")],
        }
    )
    sender = scripted_sender(sends)
    first = await async_send_bulk(sender, messages(5), journal=journal)
    assert (first.sent, first.skipped, first.failed, first.unknown) == (2, 1, 1, 1)
    sends.sent.clear()

    again = await async_send_bulk(sender, messages(5), journal=journal)
    assert sends.sent == ["+270002"]
    assert (again.already_done, again.sent, again.unknown) == (3, 1, 1)
    assert journal_rows(journal)["3"] == "unknown"

    sends.sent.clear()
    last = await async_send_bulk(sender, messages(5), journal=journal, resend_unknown=True)
    assert sends.sent == ["+270003"]
    assert (last.already_done, last.sent) == (4, 1)


async def test_rows_left_sending_by_a_crash_are_unknown_on_resume(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    sender = scripted_sender(ScriptedSends())
    await async_send_bulk(sender, messages(3), journal=journal)
    with sqlite3.connect(journal) as db:
        db.execute("UPDATE messages SET status = 'sending' WHERE id = '1'")
    sends = ScriptedSends()
    report = await async_send_bulk(scripted_sender(sends), messages(3), journal=journal)
    assert sends.sent == []
    assert (report.already_done, report.unknown) == (2, 1)
    assert report.outcomes is not None
    unknown = next(o for o in report.outcomes if o.status == "unknown")
    assert unknown.id == "1"
    assert "may or may not" in (unknown.reason or "")


async def test_duplicate_ids_in_one_input_are_sent_once(tmp_path: Path) -> None:
    sends = ScriptedSends()
    twice = [{"id": "a", "to_addr": "+1", "content": "x"}] * 2
    report = await async_send_bulk(scripted_sender(sends), twice, journal=tmp_path / "j")
    assert (report.sent, report.failed, sends.sent) == (1, 1, ["+1"])


async def test_cancellation_records_the_requests_already_sent(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    sends = ScriptedSends()
    sends.gate = asyncio.Event()
    task = asyncio.create_task(
        async_send_bulk(scripted_sender(sends), messages(100), concurrency=3, journal=journal)
    )
    while sends.in_flight < 3:
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.sleep(0)
    sends.gate.set()  # the three requests in flight get their answers
    with pytest.raises(asyncio.CancelledError):
        await task
    assert journal_rows(journal) == {"0": "sent", "1": "sent", "2": "sent"}
    assert len(sends.sent) == 3


async def test_journal_refuses_another_conversation_and_other_files(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    await async_send_bulk(scripted_sender(ScriptedSends()), messages(1), journal=journal)
    other = AsyncHttpApiSender("acc", "other-conv", "tok")
    with pytest.raises(JournalError, match="other-conv"):
        await async_send_bulk(other, messages(1), journal=journal)
    not_a_journal = tmp_path / "text.txt"
    not_a_journal.write_text("hello, this is not SQLite at all" * 10)
    with pytest.raises(JournalError, match="not a go-http send journal"):
        await async_send_bulk(other, messages(1), journal=not_a_journal)


def test_rate_limit_spaces_message_starts() -> None:
    now = [0.0]
    waits: list[float] = []
    sends = ScriptedSends()

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    async def run() -> None:
        await async_send_bulk(
            scripted_sender(sends),
            messages(6),
            concurrency=6,
            rate=4,
            clock=lambda: now[0],
            sleep=fake_sleep,
        )

    asyncio.run(run())
    # 4 per second: each message after the first waits a quarter second for its turn.
    assert waits == pytest.approx([0.25] * 5)
    assert len(sends.sent) == 6


def test_sync_send_bulk_checks_its_arguments() -> None:
    sender = HttpApiSender("acc", "conv", "tok")
    with pytest.raises(ValueError, match="concurrency"):
        send_bulk(sender, [], concurrency=0)
    with pytest.raises(ValueError, match="rate"):
        send_bulk(sender, [], rate=-1)
    with pytest.raises(TypeError, match="sender"):
        send_bulk(object(), [])  # type: ignore[arg-type]


async def test_an_async_input_is_shared_by_the_senders_one_read_at_a_time() -> None:
    sends = ScriptedSends()
    reading = 0
    overlapping_reads = 0

    async def slow_source() -> Any:
        nonlocal reading, overlapping_reads
        for message in messages(50):
            reading += 1
            overlapping_reads = max(overlapping_reads, reading)
            await asyncio.sleep(0)  # the next read is due while this one waits
            reading -= 1
            yield message

    report = await async_send_bulk(scripted_sender(sends), slow_source(), concurrency=4)
    assert (report.sent, report.failed) == (50, 0)
    assert overlapping_reads == 1
    assert sorted(sends.sent) == sorted(f"+27{i:04d}" for i in range(50))
    assert report.outcomes is not None
    assert sorted(int(o.id) for o in report.outcomes) == list(range(50))


async def test_an_input_that_has_ended_is_not_read_again() -> None:
    class Terminal:
        """Like a terminal: asked again after end of input, it would wait for more."""

        def __init__(self) -> None:
            self.left = list(messages(3))
            self.asked_after_end = 0

        def __iter__(self) -> Terminal:
            return self

        def __next__(self) -> dict[str, Any]:
            if self.left:
                return self.left.pop(0)
            self.asked_after_end += 1
            raise StopIteration

    source = Terminal()
    report = await async_send_bulk(scripted_sender(ScriptedSends()), source, concurrency=5)
    assert report.sent == 3
    assert source.asked_after_end == 1
