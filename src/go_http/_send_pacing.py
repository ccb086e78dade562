"""How fast a bulk send may go: a message rate, and an adaptive number in flight."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable


class RatePacer:
    """Spaces requests at most ``rate`` per second (a token bucket holding one token).

    Many tasks may wait at once; they are let through one at a time, first come, first
    served.

    :param float rate: requests per second.
    :param clock: a monotonic clock in seconds (tests pass a fake).
    :param sleep: how to wait (tests pass a fake that advances the clock).
    """

    __slots__ = ("_clock", "_interval", "_next", "_sleep", "_turn")

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
            raise ValueError(
                f"rate must be a positive number of messages per second, got {rate!r}"
            )
        self._interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None
        self._turn = asyncio.Lock()

    async def wait(self) -> None:
        """Return when the next request may go."""
        async with self._turn:
            now = self._clock()
            due = now if self._next is None or self._next < now else self._next
            if due > now:
                await self._sleep(due - now)
            self._next = due + self._interval


class ConcurrencyWindow:
    """At most ``limit`` requests in flight; the limit halves when the server says "too
    many" and creeps back up (one more per ``limit`` successes) to the ceiling.

    Waiters are served first come, first served.

    :param int ceiling: the caller's ``concurrency``.
    """

    __slots__ = ("_successes", "_waiters", "ceiling", "generation", "in_flight", "limit", "lowest")

    def __init__(self, ceiling: int) -> None:
        self.ceiling = self.limit = self.lowest = ceiling
        self.in_flight = 0
        #: Bumped by each decrease; a "too many" answer to a request sent before the last
        #: decrease does not decrease again.
        self.generation = 0
        self._successes = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    def take(self) -> bool:
        """Take a free slot if there is one now, without waiting (nobody waits either)."""
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return True
        return False

    async def acquire(self) -> None:
        """Wait for a free slot and take it."""
        if self.take():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give a slot back."""
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def decrease(self, generation: int) -> None:
        """The server refused a request sent in ``generation``: halve the limit once."""
        if generation == self.generation:
            self.generation += 1
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
            self._successes = 0

    def succeeded(self) -> None:
        """A request went through: after ``limit`` successes, allow one more."""
        if self.limit < self.ceiling:
            self._successes += 1
            if self._successes >= self.limit:
                self.limit += 1
                self._successes = 0
                self._wake()
