"""When to retry a request and how long to wait first: one policy for sync and async.

The rule that matters most: a request that is not idempotent (a message send creates a
new message every time) is retried only where the server provably did not act on it:
the connection failed before the request went out, the server answered 429, or the
conversation API refused it with its 403 concurrency limit.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time

from go_http._operation import ApiRequest, HttpResponse, is_concurrency_limit

#: Statuses after which an idempotent request is tried again.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times, and after which failures, a request is tried again.

    :param int retries: extra attempts after the first; ``0`` disables retrying.
    :param float backoff: the first delay in seconds; it doubles on each retry.
    :param float max_delay: no single wait is longer than this (``Retry-After`` included).
    :param float jitter: each delay is scaled by a random factor in ``[1 - jitter, 1]`` so
        that many clients do not retry in step.
    """

    retries: int = 3
    backoff: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, got {self.retries!r}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter!r}")

    def start(self, request: ApiRequest) -> RetryState:
        """A fresh state for one call."""
        return RetryState(self, request)

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """The wait before retry number ``retry_number`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        base: float = min(self.backoff * 2.0 ** (retry_number - 1), self.max_delay)
        return base * (1.0 - self.jitter * random.random())


NO_RETRIES = RetryPolicy(retries=0)


def parse_retry_after(headers: Mapping[str, str], now: Callable[[], float] = time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return parsedate_to_datetime(value).timestamp() - now()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class RetryState:
    """Tracks one call's attempts; the transport asks it after each failure."""

    __slots__ = ("attempt", "policy", "request")

    def __init__(self, policy: RetryPolicy, request: ApiRequest) -> None:
        self.policy = policy
        self.request = request
        self.attempt = 0

    def _next_delay(self, retry_after: float | None = None) -> float | None:
        if self.attempt >= self.policy.retries:
            return None
        self.attempt += 1
        return self.policy.delay(self.attempt, retry_after)

    def after_response(self, response: HttpResponse) -> float | None:
        """The delay before retrying after this response, or ``None`` to stop."""
        status = response.status_code
        server_did_not_act = status == 429 or is_concurrency_limit(response)
        if server_did_not_act or (self.request.idempotent and status in RETRYABLE_STATUSES):
            return self._next_delay(parse_retry_after(response.headers))
        return None

    def after_failure(self, request_sent: bool) -> float | None:
        """The delay before retrying after a network failure, or ``None`` to stop.

        :param bool request_sent: whether any of the request may have reached the server.
        """
        if request_sent and not self.request.idempotent:
            return None
        return self._next_delay()
