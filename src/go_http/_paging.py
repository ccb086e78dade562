"""Cursor pagination, written once for every paged listing (sync and async)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from go_http._operation import HttpResponse
from go_http.exceptions import PagedException

T = TypeVar("T")

#: Items asked for per page unless the caller says otherwise; the server clamps it.
DEFAULT_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing.

    :ivar list items: the page's items.
    :ivar cursor: the cursor of the next page, or ``None`` when this is the last page.
    """

    items: list[T]
    cursor: str | None


def parse_page(response: HttpResponse) -> Page[dict[str, Any]]:
    body = response.json()
    return Page(items=list(body["data"]), cursor=body.get("cursor") or None)


def check_page_size(page_size: int) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be a positive integer, got {page_size!r}")
    return page_size


def iterate_pages(
    fetch_page: Callable[[str | None], Page[T]], start_cursor: str | None
) -> Iterator[T]:
    """Yield every item, fetching each page only after the previous one is used up.

    A failed page raises :class:`PagedException` with that page's cursor, so passing it
    as ``start_cursor`` resumes right after the last item handed out.
    """
    cursor = start_cursor
    while True:
        try:
            page = fetch_page(cursor)
        except Exception as exc:
            raise PagedException(cursor, exc) from exc
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


#: While a prefetch is under way, the event loop gets a turn after this many items.
PREFETCH_TURN_EVERY = 16


def _retrieve_outcome(task: asyncio.Task[Any]) -> None:
    # A prefetched page nobody reaches (the caller stopped early) must not log
    # "exception was never retrieved".
    if not task.cancelled():
        task.exception()


class AsyncPageIterator(Generic[T]):
    """Every item of a listing, for ``async for``: the async :func:`iterate_pages`.

    With ``prefetch`` the next page is requested as soon as the current one arrives, so
    the caller rarely waits.  What the caller sees does not change: a failed page raises
    :class:`PagedException` with that page's cursor only when the caller reaches it, after
    every item of the pages before it.  Stopping early is safe; :meth:`aclose` cancels a
    pending prefetch at once.

    :param fetch_page: fetches the page at a cursor (``None``: the first page).
    :param start_cursor: where to start.
    :param bool prefetch: request the next page while the current one is used.
    """

    __slots__ = ("_cursor", "_done", "_fetch", "_handed", "_items", "_pending", "_prefetch")

    def __init__(
        self,
        fetch_page: Callable[[str | None], Awaitable[Page[T]]],
        start_cursor: str | None,
        prefetch: bool = True,
    ) -> None:
        self._fetch = fetch_page
        self._cursor = start_cursor
        self._prefetch = prefetch
        self._items: Iterator[T] = iter(())
        self._pending: asyncio.Task[Page[T]] | None = None
        self._done = False
        self._handed = 0

    def __aiter__(self) -> AsyncPageIterator[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            for item in self._items:
                pending = self._pending
                if pending is not None and not pending.done():
                    # A caller busy with each item never suspends, so the event loop
                    # would not run the prefetch until the page is used up: let it run.
                    self._handed += 1
                    if self._handed % PREFETCH_TURN_EVERY == 0:
                        await asyncio.sleep(0)
                return item
            if self._done:
                raise StopAsyncIteration
            self._items = iter(await self._next_page())

    async def _next_page(self) -> list[T]:
        cursor = self._cursor
        pending, self._pending = self._pending, None
        try:
            page = await (pending if pending is not None else self._fetch(cursor))
        except Exception as exc:
            self._done = True
            raise PagedException(cursor, exc) from exc
        if page.cursor is None:
            self._done = True
        else:
            self._cursor = page.cursor
            if self._prefetch:
                self._pending = asyncio.ensure_future(self._fetch(page.cursor))
                self._pending.add_done_callback(_retrieve_outcome)
        return page.items

    async def aclose(self) -> None:
        """Stop: cancel a pending prefetch; further iteration ends at once."""
        self._done = True
        self._items = iter(())
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
