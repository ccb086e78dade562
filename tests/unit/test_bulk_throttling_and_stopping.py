"""The bulk engine under sustained throttling, when cancelled, and sharing a journal:
live tasks stay bounded, nothing waiting is journaled as ``sending``, Ctrl-C awaits only
the requests that are out, and one journal serves one run at a time."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from go_http import HttpApiSender, RetryPolicy
from go_http._operation import ApiRequest, HttpResponse
from go_http.aio import AsyncHttpApiSender
from go_http.bulk import JournalError, _engine_retry, async_send_bulk, send_bulk
from tests.unit.recording_server import Answer, RecordingServer, recorder  # noqa: F401
from tests.unit.test_async_bulk import ScriptedSends, api_error, messages, scripted_sender

TOO_MANY = api_error(429, b"slow down")


def rows(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT id, status FROM messages"))


async def settle() -> None:
    """Let every ready task run until nothing is left to do (no time passes)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_sustained_throttling_keeps_live_messages_bounded(tmp_path: Path) -> None:
    journal = tmp_path / "j"
    script = {f"+27{i:04d}": [TOO_MANY] * 3 for i in range(60)}
    sends = ScriptedSends(script)
    pulled = 0
    pulled_at_outcome: list[int] = []
    sending_at_throttle: list[tuple[int, int]] = []

    def endless() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for message in messages(60):
            pulled += 1
            yield message

    async def throttle_wait(_seconds: float) -> None:
        # While messages wait out a throttle, only requests really out are "sending".
        sending = sum(1 for status in rows(journal).values() if status == "sending")
        sending_at_throttle.append((sending, sends.in_flight))
        await asyncio.sleep(0)

    report = await async_send_bulk(
        scripted_sender(sends),
        endless(),
        concurrency=4,
        journal=journal,
        sleep=throttle_wait,
        progress=lambda outcome: pulled_at_outcome.append(pulled),
    )
    assert (report.sent, report.failed, report.unknown, report.throttled) == (60, 0, 0, 180)
    # Messages are read only as earlier ones end, throttled or not.
    assert all(p <= n + 1 + 4 + 1 for n, p in enumerate(pulled_at_outcome))
    assert sending_at_throttle
    assert all(sending <= in_flight for sending, in_flight in sending_at_throttle)


async def test_a_message_waiting_after_a_throttle_is_journaled_as_not_sent(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j"
    sends = ScriptedSends({"+270000": [TOO_MANY]})
    seen: list[str] = []

    async def throttle_wait(_seconds: float) -> None:
        seen.append(rows(journal)["0"])
        await asyncio.sleep(0)

    report = await async_send_bulk(
        scripted_sender(sends), messages(1), journal=journal, sleep=throttle_wait
    )
    assert seen == ["failed"]
    assert report.sent == 1
    assert rows(journal) == {"0": "sent"}


async def test_cancelling_drops_throttled_messages_and_sends_nothing_more(tmp_path: Path) -> None:
    journal = tmp_path / "j"
    sends = ScriptedSends({f"+27{i:04d}": [TOO_MANY] for i in range(1000)})
    sleeping = 0
    woken = asyncio.Event()
    cancelled_sleeps = 0

    async def long_throttle(_seconds: float) -> None:
        nonlocal sleeping, cancelled_sleeps
        sleeping += 1
        try:
            await woken.wait()
        except asyncio.CancelledError:
            cancelled_sleeps += 1
            raise

    run = asyncio.create_task(
        async_send_bulk(
            scripted_sender(sends),
            messages(1000),
            concurrency=4,
            journal=journal,
            sleep=long_throttle,
        )
    )
    while sleeping < 4:
        await asyncio.sleep(0)
    await settle()
    run.cancel()
    await settle()
    done = run.done()
    woken.set()  # lets an unfixed engine end, so that the test fails rather than hangs
    with pytest.raises(asyncio.CancelledError):
        await run
    assert done, "the run waited for messages that were only waiting out a throttle"
    assert cancelled_sleeps == 4
    assert sends.sent == []
    # Never more messages under way than the concurrency; none of them went out.
    assert rows(journal) == {str(i): "failed" for i in range(4)}


async def test_one_ctrl_c_after_the_input_ends_awaits_the_requests_in_flight(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j"
    sends = ScriptedSends()
    sends.gate = asyncio.Event()
    run = asyncio.create_task(
        async_send_bulk(scripted_sender(sends), messages(3), concurrency=5, journal=journal)
    )
    while sends.in_flight < 3:
        await asyncio.sleep(0)
    await settle()  # the input is used up: the run only waits for the answers now
    run.cancel()
    await settle()
    sends.gate.set()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert rows(journal) == {"0": "sent", "1": "sent", "2": "sent"}
    assert len(sends.sent) == 3


async def test_a_second_cancellation_abandons_requests_but_ends_them_first(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j"
    sends = ScriptedSends()
    sends.gate = asyncio.Event()
    run = asyncio.create_task(
        async_send_bulk(scripted_sender(sends), messages(3), concurrency=5, journal=journal)
    )
    while sends.in_flight < 3:
        await asyncio.sleep(0)
    await settle()
    run.cancel()
    await settle()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    # Every task of the run has ended before it returned: nothing writes to the journal
    # after it was closed, and the abandoned requests are honestly unknown ("sending").
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert sends.in_flight == 0
    assert rows(journal) == {"0": "sending", "1": "sending", "2": "sending"}
    sends.gate.set()
    again = await async_send_bulk(scripted_sender(ScriptedSends()), messages(3), journal=journal)
    assert again.unknown == 3


async def test_a_journal_serves_one_run_at_a_time(tmp_path: Path) -> None:
    journal = tmp_path / "j"
    sends = ScriptedSends()
    sends.gate = asyncio.Event()
    first = asyncio.create_task(
        async_send_bulk(scripted_sender(sends), messages(4), concurrency=2, journal=journal)
    )
    while sends.in_flight < 2:
        await asyncio.sleep(0)
    second = ScriptedSends()
    with pytest.raises(JournalError, match="in use"):
        await async_send_bulk(scripted_sender(second), messages(4), journal=journal)
    assert second.sent == []
    sends.gate.set()
    assert (await first).sent == 4
    # The lock goes with the run, refused or not.
    again = await async_send_bulk(scripted_sender(ScriptedSends()), messages(4), journal=journal)
    assert again.already_done == 4
    with pytest.raises(JournalError, match="other-conv"):
        await async_send_bulk(
            AsyncHttpApiSender("acc", "other-conv", "tok"), messages(1), journal=journal
        )
    last = await async_send_bulk(scripted_sender(ScriptedSends()), messages(4), journal=journal)
    assert last.already_done == 4


# -- throttling answers reach the engine, not the transport's retries ---------------------


def throttled_then_ok(server: RecordingServer) -> None:
    server.answer(
        Answer(429, b"slow down", headers=(("Retry-After", "0"),)),
        Answer(403, b"<html>Too many concurrent connections</html>"),
        Answer(429, b"slow down", headers=(("Retry-After", "0"),)),
        Answer(200, {"message_id": "m1", "to_addr": "+27820000000"}),
    )


def no_throttle_waits() -> Any:
    async def no_wait(_seconds: float) -> None:
        await asyncio.sleep(0)

    return no_wait


def test_sync_sender_throttling_is_handled_by_the_engine(recorder: RecordingServer) -> None:  # noqa: F811
    throttled_then_ok(recorder)
    sender = HttpApiSender("acc", "conv", "tok", api_url=recorder.url)  # default retries
    report = send_bulk(sender, messages(1), sleep=no_throttle_waits())
    assert (report.sent, report.throttled) == (1, 3)
    assert len(recorder.requests) == 4


async def test_async_sender_throttling_is_handled_by_the_engine(
    recorder: RecordingServer,  # noqa: F811
) -> None:
    throttled_then_ok(recorder)
    async with AsyncHttpApiSender("acc", "conv", "tok", api_url=recorder.url) as sender:
        report = await async_send_bulk(sender, messages(1), sleep=no_throttle_waits())
        assert sender.session is not None  # lent to the run, not closed by it
        assert not sender.session.closed
    assert (report.sent, report.throttled) == (1, 3)
    assert len(recorder.requests) == 4


def test_the_engine_policy_keeps_retrying_connections_that_never_went_out() -> None:
    request = ApiRequest("PUT", "conv/messages.json", body={"to_addr": "+1"}, idempotent=False)
    state = _engine_retry(RetryPolicy(retries=2, jitter=0)).start(request)
    assert state.after_response(HttpResponse(429, b"", "http://h/x")) is None
    assert state.after_failure(request_sent=False) == 0.5
    assert state.after_failure(request_sent=True) is None


def test_blocking_send_bulk_leaves_an_async_senders_session_alone(
    recorder: RecordingServer,  # noqa: F811
) -> None:
    throttled_then_ok(recorder)
    sender = AsyncHttpApiSender("acc", "conv", "tok", api_url=recorder.url)
    report = send_bulk(sender, messages(1), sleep=no_throttle_waits())
    assert (report.sent, report.throttled) == (1, 3)
    assert sender.session is None  # no session bound to send_bulk's loop, now closed
