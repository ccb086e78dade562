"""Sending many messages: concurrency, a rate limit, opt-out skips and a resumable journal.

::

    report = send_bulk(sender, ({"to_addr": a, "content": "Hi"} for a in addresses),
                       concurrency=10, rate=50, journal="campaign.journal")
    print(report.sent, report.skipped, report.failed, report.unknown)

What happens to each message (its *outcome* status):

``sent``
    the server accepted it (``message_id`` is the server's id).
``skipped``
    the recipient has opted out (:class:`UserOptedOutException`); nothing was sent.
``failed``
    it was provably not sent: the message is invalid (checked before sending), the server
    refused it (4xx), or the connection failed before the request went out.  A re-run
    with the same journal tries these again.
``unknown``
    the request went out but no answer came back (timeout, lost connection, 5xx), or an
    earlier run was killed while it was in flight.  The server may or may not have sent
    it, and the conversation API cannot be asked which.  A re-run does NOT resend these
    unless ``resend_unknown=True`` (which risks a duplicate for each).
``already_done``
    the journal shows an earlier run sent or skipped it; it is not sent again.

Only failures where the server provably did not act are retried (see
:class:`go_http.RetryPolicy`: a connection that failed before the request went out is
retried by the sender, with the policy's retries and backoff).  The conversation API's
"Too many concurrent connections" (403) and 429 answers are never failures, and the
engine, not the sender's retry policy, answers them, at once and without a limit on
attempts: the number of requests in flight halves, the message waits (``Retry-After``,
or the policy's backoff) and is tried again, through the rate limit like any request,
and the limit creeps back up after successes.  While it waits, its journal row says
``failed`` ("not sent yet"), so a crash then leaves it to be sent by a re-run; it is
``sending`` only while a request for it is out.

At most ``concurrency`` messages are under way at once (in flight, waiting for a slot
or waiting out a throttle), so memory stays flat and, after a ``SIGKILL``, at most
``concurrency`` messages are ``unknown``.  ``rate`` limits requests, retries after a
throttle included.

Ctrl-C (``KeyboardInterrupt`` / task cancellation) stops the run: messages that are not
out (waiting for a slot, for the rate limit or out a throttle) are dropped unsent, the
requests already out are awaited (up to their timeout) and their outcomes recorded,
then it re-raises, with nothing ``unknown``.  This holds wherever the Ctrl-C lands, also
after the last message was read; :func:`send_bulk` gives Python 3.10 the same Ctrl-C
handling as 3.11's ``asyncio.run``.  A second Ctrl-C (a second cancellation) abandons
the requests in flight; their rows stay ``sending`` (``unknown`` to a re-run).  Either
way every task of the run has ended before it returns and the journal is closed.

A journal is used by one run at a time: a run holds an exclusive lock on
``<journal>.lock`` (``flock``; ``msvcrt.locking`` on Windows) while it runs, and a second
run on the same journal, in any process, is refused with :class:`JournalError` ("in
use") before it sends anything.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
)
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

try:  # imported with the module, not on the first send_bulk call
    import uvloop
except ImportError:  # pragma: no cover - depends on the platform and extras
    uvloop = None  # type: ignore[assignment]

from go_http._async_transport import AsyncTransport
from go_http._operation import (
    ApiRequest,
    HttpResponse,
    Operation,
    ensure_json_object,
    is_concurrency_limit,
)
from go_http._retry import RetryPolicy, RetryState, parse_retry_after
from go_http._send_journal import SENDING, JournalError, SendJournal
from go_http._send_pacing import ConcurrencyWindow, RatePacer
from go_http.aio.send import AsyncHttpApiSender
from go_http.exceptions import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AuthenticationError,
    RateLimitedError,
    UserOptedOutException,
)
from go_http.send import HttpApiSender, Message, send_message

__all__ = [
    "BulkReport",
    "JournalError",
    "MessageOutcome",
    "async_send_bulk",
    "send_bulk",
]

SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
UNKNOWN = "unknown"
ALREADY_DONE = "already_done"

#: The keys a message may have.
MESSAGE_FIELDS = frozenset({"id", "to_addr", "content", "session_event", "helper_metadata"})
#: Doubling the throttling backoff beyond this many times changes nothing (max_delay).
_MAX_BACKOFF_STEP = 30
#: The journal's reason for a message waiting to be tried again after a throttle.
_THROTTLED = "the server said too many requests; not sent yet, to be tried again"

Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[["MessageOutcome"], object]


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """What happened to one message.

    :ivar str id: the caller's ``id``, or the message's position in the input (``"0"``,
        ``"1"``, ...).
    :ivar to_addr: the recipient.
    :ivar str status: ``sent``, ``skipped``, ``failed``, ``unknown`` or ``already_done``.
    :ivar message_id: the server's message id (``sent``, and ``already_done`` if sent).
    :ivar reason: why it was skipped, failed, unknown or already done.
    """

    id: str
    to_addr: str | None
    status: str
    message_id: str | None = None
    reason: str | None = None


@dataclass(slots=True)
class BulkReport:
    """Counts per outcome status, and (unless turned off) every outcome in input order of
    completion.

    :ivar int throttled: "too many requests" answers absorbed by slowing down.
    :ivar int lowest_concurrency: the fewest requests in flight the sender went down to.
    :ivar outcomes: every :class:`MessageOutcome`, or ``None`` with ``keep_outcomes=False``
        (for huge inputs: memory then stays flat; use ``progress`` or the journal).
    """

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    already_done: int = 0
    throttled: int = 0
    lowest_concurrency: int = 0
    outcomes: list[MessageOutcome] | None = field(default_factory=list)

    @property
    def total(self) -> int:
        """Messages handled."""
        return self.sent + self.skipped + self.failed + self.unknown + self.already_done

    def add(self, outcome: MessageOutcome) -> None:
        status = outcome.status
        if status == SENT:  # by far the most common: spare the lookups by name
            self.sent += 1
        else:
            setattr(self, status, getattr(self, status) + 1)
        if self.outcomes is not None:
            self.outcomes.append(outcome)


@dataclass(slots=True)
class _Pending:
    id: str
    to_addr: str
    operation: Operation[Message]


class _BulkRun:
    """One run of the engine over one input.

    ``concurrency`` workers share the input, read lazily: each takes the next message,
    delivers it (waiting out throttles while it holds its place), records its outcome and
    takes the next, so at most ``concurrency`` messages are under way and memory stays
    flat.  Each attempt also takes a slot of the adaptive :class:`ConcurrencyWindow`,
    which limits the requests in flight.  Long-lived workers, rather than a task per
    message, keep the CPU cost per message low.
    """

    def __init__(
        self,
        sender: AsyncHttpApiSender,
        journal: SendJournal | None,
        concurrency: int,
        pacer: RatePacer | None,
        progress: Progress | None,
        keep_outcomes: bool,
        resend_unknown: bool,
        sleep: Sleep,
    ) -> None:
        self.sender = sender
        self.conversation_key = sender.conversation_key
        # The sender's transport, called directly: one coroutine less per message.
        self._run_operation = sender._transport.run
        self._api_url = sender.api_url
        self.journal = journal
        self.concurrency = concurrency
        self.window = ConcurrencyWindow(concurrency)
        self.pacer = pacer
        self.progress = progress
        self.resend_unknown = resend_unknown
        self.sleep = sleep
        self.report = BulkReport(outcomes=[] if keep_outcomes else None)
        self.fatal: BaseException | None = None
        #: Set when the run ends early: nothing more is read or sent.
        self.stopping = False
        self.workers: list[asyncio.Task[None]] = []
        #: The workers whose request is out: awaited, never cancelled, on a first Ctrl-C.
        self.in_request: set[asyncio.Task[None]] = set()
        # The shared input: a sync one is read without a lock (reading it cannot be
        # interleaved), an async one under ``_input_lock``.
        self._numbered: Iterator[tuple[int, Any]] | None = None
        self._async_input: AsyncIterator[Any] | None = None
        self._input_lock = asyncio.Lock()
        self._position = 0
        #: The input said it has no more: it is not asked again (a terminal would wait).
        self._exhausted = False

    async def run(self, messages: Iterable[Any] | AsyncIterable[Any]) -> BulkReport:
        try:
            if isinstance(messages, AsyncIterable):
                self._async_input = aiter(messages)
            else:
                self._numbered = enumerate(messages)
            self.workers = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]
            await asyncio.wait(self.workers)
        except GeneratorExit:  # pragma: no cover - the loop was closed under us
            raise
        except BaseException:
            # Cancellation (Ctrl-C): what has not gone out is dropped, the requests in
            # flight are answered and recorded.
            if await self._settle():
                raise asyncio.CancelledError from None
            raise
        finally:
            self.report.lowest_concurrency = self.window.lowest
        if self.fatal is not None:
            raise self.fatal
        return self.report

    async def _work(self) -> None:
        """Deliver messages one at a time, until the input is used up or the run stops."""
        worker = asyncio.current_task()
        assert worker is not None
        try:
            if self._async_input is None:
                while (item := self._take()) is not None:
                    await self._deliver(item, worker)
            else:
                while (item := await self._take_async()) is not None:
                    await self._deliver(item, worker)
        except Exception as exc:  # the input, a progress callback or the journal failing
            self._fail(exc)

    def _take(self) -> _Pending | None:
        """The next message of a sync input to send (``None``: none left, or stopping)."""
        assert self._numbered is not None
        while not (self.stopping or self._exhausted):
            numbered = next(self._numbered, None)
            if numbered is None:
                self._exhausted = True
                return None
            item = self._prepare(*numbered)
            if item is not None:
                return item
        return None

    async def _take_async(self) -> _Pending | None:
        """The next message of an async input to send (``None``: none left, or stopping)."""
        assert self._async_input is not None
        async with self._input_lock:
            while not (self.stopping or self._exhausted):
                try:
                    message = await self._async_input.__anext__()
                except StopAsyncIteration:
                    self._exhausted = True
                    return None
                position = self._position
                self._position += 1
                if self.stopping:
                    return None
                item = self._prepare(position, message)
                if item is not None:
                    return item
        return None

    async def _settle(self) -> bool:
        """Cancel the workers whose message has not gone out and wait for the rest.

        The first cancellation that arrives meanwhile is absorbed (the requests in flight
        are still answered and recorded); a second abandons them: they are cancelled
        too, and awaited, so that nothing touches the journal after the run.

        :returns: whether a cancellation arrived while waiting.
        """
        self._stop()
        cancelled = False
        while True:
            running = [worker for worker in self.workers if not worker.done()]
            if not running:
                return cancelled
            try:
                await asyncio.wait(running)
            except asyncio.CancelledError:
                cancelled = True
                for worker in running:
                    worker.cancel()

    def _stop(self) -> None:
        """Send nothing more: cancel every worker whose request is not out."""
        self.stopping = True
        current = asyncio.current_task()
        for worker in self.workers:
            if worker is not current and worker not in self.in_request:
                worker.cancel()

    def _fail(self, exc: BaseException) -> None:
        """End the run with ``exc`` once the requests in flight are answered."""
        if self.fatal is None:
            self.fatal = exc
        self._stop()

    def _prepare(self, position: int, message: Any) -> _Pending | None:
        """The message ready to send, or ``None`` when its outcome is already known."""
        if not isinstance(message, Mapping):
            self._finish(MessageOutcome(str(position), None, FAILED, reason=_not_a_dict(message)))
            return None
        message_id = str(message.get("id", position))
        to_addr: Any = message.get("to_addr")
        if self.journal is not None and not self._check_journal(message_id, to_addr):
            return None
        try:
            if not MESSAGE_FIELDS.issuperset(message):  # no set made per message
                unknown_fields = sorted(map(str, set(message) - MESSAGE_FIELDS))
                raise ValueError(f"unknown message field(s): {', '.join(unknown_fields)}")
            metadata = message.get("helper_metadata")
            if metadata is not None:
                metadata = ensure_json_object(metadata, "helper_metadata")
            operation = send_message(
                self.conversation_key,
                to_addr,
                message.get("content"),
                message.get("session_event"),
                metadata,
            )
        except (TypeError, ValueError) as exc:
            shown = to_addr if isinstance(to_addr, str) else None
            self._finish(MessageOutcome(message_id, shown, FAILED, reason=str(exc)))
            return None
        return _Pending(message_id, to_addr, operation)

    def _check_journal(self, message_id: str, to_addr: Any) -> bool:
        """True when the message is to be sent, given what the journal knows."""
        assert self.journal is not None
        entry = self.journal.lookup(message_id)
        if entry is None:
            return True
        if entry.run == self.journal.run:
            self._finish(_duplicate(message_id, entry.to_addr), journaled=False)
            return False
        if entry.status == FAILED:
            return True  # provably not sent; the input may even have been corrected
        if entry.to_addr != to_addr:
            raise JournalError(
                f"message {message_id!r} went to {entry.to_addr!r} in the journal but is for "
                f"{to_addr!r} now: the input changed, so this journal does not fit it"
            )
        if entry.status in (SENT, SKIPPED):
            reason = f"{entry.status} by an earlier run"
            if entry.reason:
                reason += f": {entry.reason}"
            outcome = MessageOutcome(
                message_id, entry.to_addr, ALREADY_DONE, entry.message_id, reason
            )
            self._finish(outcome, journaled=False)
            return False
        if self.resend_unknown:
            return True
        reason = entry.reason or (
            "an earlier run stopped while this message was being sent; the server may or "
            "may not have sent it"
        )
        self._finish(MessageOutcome(message_id, entry.to_addr, UNKNOWN, reason=reason))
        return False

    async def _deliver(self, item: _Pending, worker: asyncio.Task[None]) -> None:
        """Send one message, trying again after throttles, and record its outcome."""
        throttles = 0
        window = self.window
        while True:
            if not window.take():
                await window.acquire()
            try:
                if self.pacer is not None:
                    await self.pacer.wait()
                if not self._mark_sending(item, first=throttles == 0):
                    self._finish(_duplicate(item.id, item.to_addr), journaled=False)
                    return
                self.in_request.add(worker)
                try:
                    outcome = await self._attempt(item)
                finally:
                    self.in_request.discard(worker)
            finally:
                window.release()
            if isinstance(outcome, MessageOutcome):
                break
            # Throttled: the server did not act.  Until the next attempt the journal
            # says so (a crash now leaves it "failed", sent again by a re-run), and the
            # worker holds no slot of the window, so fewer requests are in flight.
            throttles += 1
            if self.journal is not None:
                self.journal.finish(item.id, FAILED, reason=_THROTTLED)
            if self.stopping:
                return
            await self.sleep(self.sender.retry.delay(min(throttles, _MAX_BACKOFF_STEP), outcome))
        self._finish(outcome, claimed=True)

    def _mark_sending(self, item: _Pending, first: bool) -> bool:
        """Journal that the request is about to go out (``False``: a duplicate id)."""
        if self.journal is None:
            return True
        if first:
            return self.journal.claim(item.id, item.to_addr, SENDING)
        self.journal.finish(item.id, SENDING)
        return True

    async def _attempt(self, item: _Pending) -> MessageOutcome | float | None:
        """The outcome of one try, or (throttled) the server's ``Retry-After``, if any."""
        generation = self.window.generation
        try:
            message = await self._run_operation(item.operation, self._api_url)
        except UserOptedOutException as exc:
            return MessageOutcome(item.id, item.to_addr, SKIPPED, reason=exc.reason)
        except RateLimitedError as exc:
            # 429 and the 403 concurrency limit: the server did not act; slow down.
            self.report.throttled += 1
            self.window.decrease(generation)
            headers = exc.response.headers if exc.response is not None else {}
            return parse_retry_after(headers)
        except AuthenticationError as exc:
            self._fail(exc)
            return MessageOutcome(item.id, item.to_addr, FAILED, reason=str(exc))
        except ApiError as exc:
            status = UNKNOWN if exc.status_code >= 500 else FAILED
            return MessageOutcome(item.id, item.to_addr, status, reason=_why(exc, status))
        except (ApiConnectionError, ApiTimeoutError) as exc:
            status = UNKNOWN if exc.request_sent else FAILED
            return MessageOutcome(item.id, item.to_addr, status, reason=_why(exc, status))
        self.window.succeeded()
        return MessageOutcome(item.id, item.to_addr, SENT, message.get("message_id"))

    def _finish(
        self, outcome: MessageOutcome, journaled: bool = True, claimed: bool = False
    ) -> None:
        """Record an outcome: journal (unless ``journaled`` is off), report, progress.

        :param bool claimed: the message's row was claimed by this run (it was sent).
        """
        if journaled and self.journal is not None:
            if claimed:
                self.journal.finish(outcome.id, outcome.status, outcome.message_id, outcome.reason)
            elif not self.journal.claim(
                outcome.id, outcome.to_addr, outcome.status, outcome.reason
            ):
                outcome = _duplicate(outcome.id, outcome.to_addr)
        self.report.add(outcome)
        if self.progress is not None:
            self.progress(outcome)


def _duplicate(message_id: str, to_addr: str | None) -> MessageOutcome:
    return MessageOutcome(message_id, to_addr, FAILED, reason="duplicate message id in the input")


def _why(exc: BaseException, status: str) -> str:
    if status == UNKNOWN:
        return f"{exc}; the server may or may not have sent it"
    return str(exc)


def _not_a_dict(message: object) -> str:
    return f"a message must be a dict with to_addr and content, not {type(message).__name__}"


def _check_arguments(sender: object, concurrency: object) -> None:
    if not isinstance(sender, (HttpApiSender, AsyncHttpApiSender)):
        raise TypeError(
            f"sender must be an HttpApiSender or AsyncHttpApiSender, not {type(sender).__name__}"
        )
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a positive integer, got {concurrency!r}")


class _ThrottlingLeftToEngine(RetryPolicy):
    """A :class:`RetryPolicy` that does not retry 429 and 403 "too many" answers: the
    engine does, after shrinking its window and through its rate limit."""

    __slots__ = ()

    def start(self, request: ApiRequest) -> RetryState:
        return _EngineRetryState(self, request)


class _EngineRetryState(RetryState):
    __slots__ = ()

    def after_response(self, response: HttpResponse) -> float | None:
        if response.status_code == 429 or is_concurrency_limit(response):
            return None
        return super().after_response(response)


def _engine_retry(policy: RetryPolicy) -> RetryPolicy:
    """``policy`` (the same retries, backoff and limits) with throttling left to the engine."""
    return _ThrottlingLeftToEngine(**{f.name: getattr(policy, f.name) for f in fields(policy)})


def _engine_sender(
    sender: HttpApiSender | AsyncHttpApiSender, connections: int, lend_session: bool = True
) -> AsyncHttpApiSender:
    """The async sender the engine sends with: the caller's conversation, credentials,
    URL, timeout and retry policy, throttling left to the engine.

    An :class:`AsyncHttpApiSender` lends its session (created now if it has none yet,
    closed with it) unless ``lend_session`` is off; otherwise a session of
    ``connections`` connections is made, closed by the twin's ``close()``.
    """
    session = None
    if isinstance(sender, AsyncHttpApiSender):
        if not isinstance(sender._transport, AsyncTransport):
            return sender  # a stand-in transport (tests): used as it is
        if lend_session:
            session = sender._transport._session()
    twin = AsyncHttpApiSender(
        sender.account_key,
        sender.conversation_key,
        sender.conversation_token,
        sender.api_url,
        session=session,
        timeout=sender.timeout,
        retry=_engine_retry(sender.retry),
    )
    twin._transport.connections = connections
    return twin


async def async_send_bulk(
    sender: HttpApiSender | AsyncHttpApiSender,
    messages: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
    *,
    concurrency: int = 10,
    rate: float | None = None,
    journal: str | Path | None = None,
    progress: Progress | None = None,
    keep_outcomes: bool = True,
    resend_unknown: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> BulkReport:
    """Send many messages; see the module documentation for the outcome statuses.

    :param sender: an :class:`HttpApiSender` (its credentials, URL, timeout and retry
        policy are used with an async session of this call's own) or an
        :class:`AsyncHttpApiSender` (the same, with its session).  Either way the retry
        policy's retries of 429/403 "too many" answers are left to the engine.
    :param messages: an iterable or async iterable of dicts with ``to_addr``, ``content``
        and optionally ``session_event``, ``helper_metadata`` and ``id`` (default: the
        position in the input, so re-running the same input matches the journal).  It is
        read lazily, a few messages ahead of the sends.
    :param int concurrency: the most requests in flight at once, and the most messages
        under way (the in-flight limit shrinks while the server throttles).
    :param float rate: the most requests started per second, retries after a throttle
        included (``None``: no limit).
    :param journal: an SQLite file recording every outcome as it happens; re-running with
        it sends only what has not been sent (see the module documentation).
    :param progress: called with each :class:`MessageOutcome` as it happens.
    :param bool keep_outcomes: keep every outcome in the report (turn off for huge inputs).
    :param bool resend_unknown: resend messages whose earlier outcome is ``unknown``
        (each may then reach its recipient twice).
    :param clock: the monotonic clock of the rate limit (tests pass a fake).
    :param sleep: how the engine waits, for the rate limit and throttling (tests pass a fake).
    :raises JournalError: the journal belongs to another conversation or to another
        input, or another run is using it.
    :raises AuthenticationError: the credentials were refused (the run stops).
    """
    _check_arguments(sender, concurrency)
    pacer = None if rate is None else RatePacer(rate, clock, sleep)
    async_sender = _engine_sender(sender, concurrency)
    opened = None
    try:
        if journal is not None:
            opened = SendJournal(journal, sender.account_key, sender.conversation_key)
        engine = _BulkRun(
            async_sender,
            opened,
            concurrency,
            pacer,
            progress,
            keep_outcomes,
            resend_unknown,
            sleep,
        )
        return await engine.run(messages)
    finally:
        # The run has ended every task it started, so nothing writes to the journal now.
        if opened is not None:
            opened.close()
        if async_sender is not sender:
            await async_sender.close()


def send_bulk(
    sender: HttpApiSender | AsyncHttpApiSender,
    messages: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
    *,
    concurrency: int = 10,
    rate: float | None = None,
    journal: str | Path | None = None,
    progress: Progress | None = None,
    keep_outcomes: bool = True,
    resend_unknown: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> BulkReport:
    """Send many messages, blocking until done: :func:`async_send_bulk` in its own event
    loop (so it cannot be called from inside a running loop; await
    :func:`async_send_bulk` there).  The parameters are the same.

    The sender is not used directly (an ``aiohttp`` session belongs to one loop): an
    :class:`AsyncHttpApiSender` with the same settings is, with ``concurrency``
    connections.
    """
    _check_arguments(sender, concurrency)
    if rate is not None:
        RatePacer(rate, clock, sleep)  # checks the rate before a loop is started

    async def in_own_loop() -> BulkReport:
        # Never an AsyncHttpApiSender's own session: it would be bound to this loop.
        twin = _engine_sender(sender, concurrency, lend_session=False)
        try:
            return await async_send_bulk(
                twin,
                messages,
                concurrency=concurrency,
                rate=rate,
                journal=journal,
                progress=progress,
                keep_outcomes=keep_outcomes,
                resend_unknown=resend_unknown,
                clock=clock,
                sleep=sleep,
            )
        finally:
            if twin is not sender:
                await twin.close()

    return _run_in_new_loop(in_own_loop())


#: Whether ``asyncio.run`` turns the first Ctrl-C into a cancellation of the main task
#: (Python 3.11+); before, the KeyboardInterrupt lands in the loop and every task is
#: cancelled at once, requests in flight included.
_RUN_CANCELS_ON_CTRL_C = sys.version_info >= (3, 11)


def _run_in_new_loop(main: Coroutine[Any, Any, BulkReport]) -> BulkReport:
    """Run the engine in an event loop of its own: uvloop's where installed (the
    ``async`` extra has it off Windows), as it costs about a fifth less CPU per message.

    Ctrl-C behaves the same on every Python: the first cancels the run (requests in
    flight are awaited and recorded), a second abandons them; then ``KeyboardInterrupt``.
    """
    if uvloop is None:
        new_loop: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
        if _RUN_CANCELS_ON_CTRL_C:
            return asyncio.run(main)
    else:
        new_loop = uvloop.new_event_loop
        if _RUN_CANCELS_ON_CTRL_C:
            return uvloop.run(main)
    return _run_cancelling_on_ctrl_c(main, new_loop)


def _run_cancelling_on_ctrl_c(
    main: Coroutine[Any, Any, BulkReport], new_loop: Callable[[], asyncio.AbstractEventLoop]
) -> BulkReport:
    """``asyncio.run`` as Python 3.11 does it, for Python 3.10: the first Ctrl-C cancels
    ``main``, a second raises ``KeyboardInterrupt`` (then every task is cancelled)."""
    loop = new_loop()
    try:
        asyncio.set_event_loop(loop)
        task = loop.create_task(main)
        interrupts = 0

        def on_ctrl_c(signum: int, frame: object) -> None:
            nonlocal interrupts
            interrupts += 1
            if interrupts == 1 and not task.done():
                loop.call_soon_threadsafe(task.cancel)
                return
            raise KeyboardInterrupt

        ours = (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        )
        if ours:
            signal.signal(signal.SIGINT, on_ctrl_c)
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if interrupts:
                raise KeyboardInterrupt from None
            raise
        finally:
            if ours and signal.getsignal(signal.SIGINT) is on_ctrl_c:
                signal.signal(signal.SIGINT, signal.default_int_handler)
    finally:
        try:
            # After a second Ctrl-C the run is still ending: cancelled, it awaits its
            # tasks and closes the journal.
            left = asyncio.all_tasks(loop)
            for leftover in left:
                leftover.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
