"""Pushing inbound messages and events to a conversation's URLs (spec §1.9, §1.10).

Each push is one ``POST`` of the JSON body with ``Content-Type: application/json;
charset=utf-8``; ``user:password@`` in the URL is taken out of it and sent as Basic auth.
A 2xx answer is delivered; anything else (another status, a timeout, a refused
connection) is logged, with the URL's credentials masked, and not retried: the sandbox has
no retry API.  Redirects are not followed.

Pushes run on worker threads, so they never hold up the API response that caused them.
Pushes to the same URL go one at a time, in the order they were handed over.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests

from go_http._operation import redact_url

LOG = logging.getLogger("go_http.sandbox.push")

PUSH_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


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


def post(session: requests.Session, push: Push, timeout: float) -> Outcome:
    """POST one push and say how it went (never raises for a network failure).

    :param session: the session to send with.
    :param Push push: what to send where.
    :param float timeout: seconds to connect, and to wait for the answer.
    """
    try:
        url, headers = split_credentials(push.url)
    except ValueError as exc:
        return Outcome(False, f"dropped: {exc}")
    data = json.dumps(push.body).encode("utf-8")
    try:
        response = session.post(
            url, data=data, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.Timeout:
        return Outcome(False, f"no answer within {timeout:g} s")
    except requests.RequestException as exc:
        reason = _os_reason(exc)
        return Outcome(False, "connection failed" + (f": {reason}" if reason else ""))
    response.close()
    if 200 <= response.status_code < 300:
        return Outcome(True)
    if 300 <= response.status_code < 400:
        return Outcome(False, f"HTTP {response.status_code} (redirects are not followed)")
    return Outcome(False, f"HTTP {response.status_code}")


class Pusher:
    """Delivers pushes on worker threads, in order per URL.

    :param float timeout: seconds a push may take to connect, and to be answered.
    :param int workers: URLs pushed to at the same time.
    :param on_outcome: called on a worker thread with each push and how it ended
        (also for pushes dropped by :meth:`close`).
    """

    def __init__(
        self,
        timeout: float = 5.0,
        workers: int = 8,
        on_outcome: Callable[[Push, Outcome], None] | None = None,
    ) -> None:
        self.timeout = timeout
        self._on_outcome = on_outcome
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Push]] = {}
        self._closed = False
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="go-http-sandbox-push")

    def submit(self, push: Push) -> None:
        """Queue a push behind the earlier ones to the same URL; returns at once."""
        with self._lock:
            if self._closed:
                LOG.warning("%s not pushed: the sandbox is stopping", push.what)
                return
            queue = self._queues.get(push.url)
            if queue is not None:
                queue.append(push)
                return
            self._queues[push.url] = deque([push])
            # Under the lock, so that close() cannot shut the executor down in between.
            self._executor.submit(self._drain, push.url)

    def close(self) -> None:
        """Stop: wait for the pushes under way; drop (and report) the ones still queued."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True)

    def _drain(self, url: str) -> None:
        """Push everything queued for one URL, oldest first, until its queue is empty."""
        with requests.Session() as session:
            session.trust_env = False  # no proxies or .netrc credentials from the environment
            while True:
                with self._lock:
                    queue = self._queues[url]
                    if not queue:
                        del self._queues[url]
                        return
                    push = queue.popleft()
                    closed = self._closed
                if closed:
                    outcome = Outcome(False, "not pushed: the sandbox stopped")
                else:
                    outcome = self._post(session, push)
                self._finish(push, outcome)

    def _post(self, session: requests.Session, push: Push) -> Outcome:
        try:
            return post(session, push, self.timeout)
        except Exception as exc:  # a bug must not stop the pushes queued behind this one
            LOG.exception("unexpected error pushing %s", push.what)
            return Outcome(False, f"unexpected error: {type(exc).__name__}")

    def _finish(self, push: Push, outcome: Outcome) -> None:
        target = redact_url(push.url)
        if outcome.delivered:
            LOG.info("pushed %s to %s", push.what, target)
        else:
            LOG.warning(
                "push of %s to %s failed (not retried): %s", push.what, target, outcome.error
            )
        if self._on_outcome is not None:
            try:
                self._on_outcome(push, outcome)
            except Exception:
                LOG.exception("could not record the outcome of pushing %s", push.what)
