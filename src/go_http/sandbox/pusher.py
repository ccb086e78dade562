"""Pushing inbound messages and events to a conversation's URLs (spec §1.9, §1.10).

Each push is one ``POST`` of the JSON body with ``Content-Type: application/json;
charset=utf-8``; ``user:password@`` in the URL is taken out of it and sent as Basic auth.
A 2xx answer is delivered; anything else (another status, a timeout, a refused
connection) is logged, with the URL's credentials masked, and not retried: the sandbox has
no retry API.  Redirects are not followed.  The receiver's body is never read (§1.9 ignores
it), and a push must be answered within the timeout from the moment it starts connecting:
a receiver that trickles its answer is cut off then.

Pushes run on worker threads, so they never hold up the API response that caused them.
Pushes to the same URL go one at a time, in the order they were handed over; at most
:data:`MAX_WAITING` wait behind the one under way, and later ones fail at once.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
import requests.adapters
import urllib3
import urllib3.connection

from go_http._operation import redact_url

LOG = logging.getLogger("go_http.sandbox.push")

PUSH_HEADERS = {"Content-Type": "application/json; charset=utf-8"}

#: Pushes that may wait for one URL behind the one under way; more fail at once.
MAX_WAITING = 1000
#: Seconds :meth:`Pusher.close` waits for the pushes under way, beyond the push timeout.
CLOSE_GRACE = 1.0
#: How ``push.error`` begins for a push that was never made.
NOT_PUSHED = "not pushed: "
#: Why a push waiting when the sandbox stopped was not made.
STOPPED_REASON = "the sandbox stopped"
#: ``push.error`` of a push still under way when the sandbox had waited long enough.
UNFINISHED = "no answer before the sandbox stopped"


def repr_masking_urls(obj: Any, *url_fields: str) -> str:
    """A dataclass's usual ``repr()``, with the credentials of its URL fields masked.

    :param obj: a dataclass instance.
    :param str url_fields: the names of the fields that hold URLs.
    """
    shown = []
    for item in dataclasses.fields(obj):
        value = getattr(obj, item.name)
        if item.name in url_fields and isinstance(value, str):
            value = redact_url(value)
        shown.append(f"{item.name}={value!r}")
    return f"{type(obj).__name__}({', '.join(shown)})"


@dataclass(frozen=True)
class Push:
    """One body to POST.

    :ivar str url: the target as configured (it may hold ``user:password@``; ``repr()``
        masks it).
    :ivar dict body: the §1.7 message or §1.10 event.
    :ivar str what: names the body in log lines, e.g. ``ack b04e…``.
    :ivar str event_id: the event pushed, whose outcome is recorded (``None``: a message).
    """

    url: str
    body: dict[str, Any]
    what: str
    event_id: str | None = None

    def __repr__(self) -> str:
        return repr_masking_urls(self, "url")


@dataclass(frozen=True)
class Outcome:
    """How a push ended.

    :ivar bool delivered: the receiver answered 2xx.
    :ivar str error: why not (no URL credentials in it), or ``None``.
    """

    delivered: bool
    error: str | None = None


def split_credentials(url: str) -> tuple[str, dict[str, str]]:
    """The URL without ``user:password@``, and the headers of a push to it.

    The user and password are percent-decoded; a missing half is the empty string.

    :param str url: an ``http(s)`` URL.
    :raises ValueError: any other scheme (the push is dropped).
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http:// or https:// URL")
    headers = dict(PUSH_HEADERS)
    userinfo, at, host = parts.netloc.rpartition("@")
    if at:
        user, _, password = userinfo.partition(":")
        pair = f"{unquote(user)}:{unquote(password)}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return urlunsplit(parts._replace(netloc=host)), headers


def _os_reason(error: BaseException) -> str | None:
    """The operating system's words for a failed connection (``Connection refused``),
    found down the chain of wrapped errors; never a URL."""
    seen: list[BaseException] = []
    pending: list[Any] = [error]
    while pending and len(seen) < 20:
        current = pending.pop()
        if not isinstance(current, BaseException) or current in seen:
            continue
        seen.append(current)
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None)]
        pending += list(current.args[:1])
    return None


# -- the deadline of one push ---------------------------------------------------------------

_this_thread = threading.local()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # an already closed connection needs no cutting off
        sock.shutdown(socket.SHUT_RDWR)


class _Deadline:
    """Cuts a push's connection off when its time is up.

    Socket timeouts only bound each read, so a receiver sending a byte now and then could
    hold a worker for ever; shutting the socket down from a timer ends every read at once.
    The timer holds a duplicate of the socket: shutting that down reaches the connection
    even after TLS has taken the original over (``wrap_socket`` detaches it).

    :param float seconds: the time the push may take, counted from now.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._over = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _this_thread.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> bool:
        """Stop watching (again is harmless); returns whether the time ran out first, so
        that whatever was read may have been cut short."""
        self._timer.cancel()
        _this_thread.deadline = None
        with self._lock:
            self._over = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
            return self.expired

    def watch(self, sock: socket.socket) -> None:
        """Cut ``sock`` off when the time is up (at once if it already is)."""
        copy = sock.dup()
        with self._lock:
            if self._over:
                copy.close()
                return
            self._sockets.append(copy)
            if self.expired:
                _shut(copy)

    def _expire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _watched(sock: socket.socket) -> socket.socket:
    """Hand a new connection's socket to the deadline of the push this thread is making."""
    deadline: _Deadline | None = getattr(_this_thread, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)
    return sock


class _HTTPConnection(urllib3.connection.HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _watched(super()._new_conn())


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _watched(super()._new_conn())


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(requests.adapters.HTTPAdapter):
    """Connections whose sockets the push's :class:`_Deadline` can cut off."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def new_session() -> requests.Session:
    """A session to push with: no proxies or ``.netrc`` credentials from the environment,
    and connections that :func:`post` can cut off at its deadline."""
    session = requests.Session()
    session.trust_env = False
    adapter = _Adapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def post(session: requests.Session, push: Push, timeout: float) -> Outcome:
    """POST one push and say how it went (never raises for a network failure).

    Only the status line and headers are read; the connection is closed then.

    :param session: a session from :func:`new_session`.
    :param Push push: what to send where.
    :param float timeout: seconds to connect and be answered, in all.
    """
    try:
        url, headers = split_credentials(push.url)
    except ValueError as exc:
        return Outcome(False, f"dropped: {exc}")
    data = json.dumps(push.body).encode("utf-8")
    late = Outcome(False, f"no answer within {timeout:g} s")
    with _Deadline(timeout) as deadline:
        try:
            response = session.post(
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,  # the body is never read
            )
        except requests.Timeout:
            return late
        except requests.RequestException as exc:
            if deadline.stop():
                return late
            reason = _os_reason(exc)
            return Outcome(False, "connection failed" + (f": {reason}" if reason else ""))
        # http.client takes headers cut short by the deadline for complete ones.
        cut_off = deadline.stop()
        response.close()
    if cut_off:
        return late
    if 200 <= response.status_code < 300:
        return Outcome(True)
    if 300 <= response.status_code < 400:
        return Outcome(False, f"HTTP {response.status_code} (redirects are not followed)")
    return Outcome(False, f"HTTP {response.status_code}")


# -- the pusher ----------------------------------------------------------------------------


@dataclass
class _Line:
    """The pushes of one URL.

    :ivar current: the push under way (until its outcome is recorded).
    :ivar waiting: the pushes behind it, oldest first.
    :ivar refused: pushes that found ``waiting`` full, for the worker to record.
    """

    current: Push | None = None
    waiting: deque[Push] = field(default_factory=deque)
    refused: list[Push] = field(default_factory=list)


class Pusher:
    """Delivers pushes on worker threads, in order per URL.

    :param float timeout: seconds a push may take to connect and be answered, in all.
    :param int workers: URLs pushed to at the same time.
    :param on_outcome: records that some pushes ended one way; called on a worker thread,
        or by :meth:`close`, with all the pushes dropped together at once.
    :param int max_waiting: pushes that may wait for one URL; more fail at once.
    """

    def __init__(
        self,
        timeout: float = 5.0,
        workers: int = 8,
        on_outcome: Callable[[Sequence[Push], Outcome], None] | None = None,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self.timeout = timeout
        self.max_waiting = max_waiting
        self._overflow = f"more than {max_waiting} pushes waiting for this URL"
        self._on_outcome = on_outcome
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._lines: dict[str, _Line] = {}
        self._closed = False
        self._gave_up = False  # close() stopped waiting: later outcomes are not recorded
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="go-http-sandbox-push")

    def submit(self, push: Push) -> None:
        """Queue a push behind the earlier ones to the same URL; returns at once.

        A push that finds :attr:`max_waiting` pushes waiting for its URL fails (the URL's
        worker records it), as does one handed over after :meth:`close`.
        """
        with self._lock:
            if not self._closed:
                line = self._lines.get(push.url)
                if line is None:
                    self._lines[push.url] = _Line(waiting=deque([push]))
                    # Under the lock, so that close() cannot shut the executor down between.
                    self._executor.submit(self._drain, push.url)
                elif len(line.waiting) < self.max_waiting:
                    line.waiting.append(push)
                else:
                    line.refused.append(push)
                return
        self._drop([push], STOPPED_REASON, push.url)

    def close(self) -> None:
        """Stop: record the waiting pushes as not pushed, all at once, and wait for the ones
        under way, at most the push timeout plus :data:`CLOSE_GRACE`; any unfinished then
        are recorded as failed.
        """
        deadline = time.monotonic() + self.timeout + CLOSE_GRACE
        with self._lock:
            if self._closed:
                return
            self._closed = True
            refused: list[Push] = []
            waiting: list[Push] = []
            for line in self._lines.values():
                refused += line.refused
                waiting += line.waiting
                line.refused, line.waiting = [], deque()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._drop(refused, self._overflow)
        self._drop(waiting, STOPPED_REASON)
        with self._lock:
            self._changed.wait_for(
                lambda: all(line.current is None for line in self._lines.values()),
                timeout=max(0.0, deadline - time.monotonic()),
            )
            self._gave_up = True
            unfinished = [line.current for line in self._lines.values() if line.current]
        for push in unfinished:
            self._report(push, Outcome(False, UNFINISHED))

    def _drain(self, url: str) -> None:
        """Push everything queued for one URL, oldest first, until its queue is empty."""
        with new_session() as session:
            while True:
                with self._lock:
                    line = self._lines[url]
                    refused, line.refused = line.refused, []
                    push = line.current = line.waiting.popleft() if line.waiting else None
                    if push is None and not refused:
                        del self._lines[url]
                        self._changed.notify_all()
                        return
                self._drop(refused, self._overflow, url)
                if push is not None:
                    outcome = self._post(session, push)
                    with self._lock:
                        gave_up = self._gave_up
                    if not gave_up:  # else close() has reported it already
                        self._report(push, outcome)

    def _post(self, session: requests.Session, push: Push) -> Outcome:
        try:
            return post(session, push, self.timeout)
        except Exception as exc:  # a bug must not stop the pushes queued behind this one
            LOG.exception("unexpected error pushing %s", push.what)
            return Outcome(False, f"unexpected error: {type(exc).__name__}")

    def _report(self, push: Push, outcome: Outcome) -> None:
        """Log and record how one push ended."""
        target = redact_url(push.url)
        if outcome.delivered:
            LOG.info("pushed %s to %s", push.what, target)
        else:
            LOG.warning(
                "push of %s to %s failed (not retried): %s", push.what, target, outcome.error
            )
        self._record([push], outcome)

    def _drop(self, pushes: Sequence[Push], reason: str, url: str | None = None) -> None:
        """Record that pushes were not made, in one go and with one log line.

        :param str reason: why, e.g. ``the sandbox stopped``.
        :param str url: the URL they all were for, named in the log (``None``: several).
        """
        if not pushes:
            return
        count = f"{len(pushes)} push" + ("" if len(pushes) == 1 else "es")
        target = "" if url is None else f" to {redact_url(url)}"
        LOG.warning("%s%s not sent: %s", count, target, reason)
        self._record(pushes, Outcome(False, f"{NOT_PUSHED}{reason}"))

    def _record(self, pushes: Sequence[Push], outcome: Outcome) -> None:
        if self._on_outcome is None:
            return
        try:
            self._on_outcome(pushes, outcome)
        except Exception:
            LOG.exception("could not record the outcome of %d pushes", len(pushes))
