"""Async pagination: the same items and failures as the sync one, with prefetch."""

from __future__ import annotations

import asyncio

import pytest

from go_http._paging import AsyncPageIterator, Page, iterate_pages
from go_http.exceptions import PagedException

PAGES = {None: Page([1, 2], "c1"), "c1": Page([3, 4], "c2"), "c2": Page([5], None)}


class FakeListing:
    """Pages by cursor; ``broken`` cursors fail; records what was fetched."""

    def __init__(self, broken: set[str | None] | None = None) -> None:
        self.broken = broken or set()
        self.fetched: list[str | None] = []
        self.cancelled: list[str | None] = []
        self.gate: asyncio.Event | None = None

    async def fetch(self, cursor: str | None) -> Page[int]:
        self.fetched.append(cursor)
        try:
            if self.gate is not None and cursor is not None:
                await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled.append(cursor)
            raise
        if cursor in self.broken:
            raise ConnectionError(f"page {cursor} failed")
        return PAGES[cursor]

    def fetch_sync(self, cursor: str | None) -> Page[int]:
        if cursor in self.broken:
            raise ConnectionError(f"page {cursor} failed")
        return PAGES[cursor]


async def test_prefetch_asks_for_the_next_page_before_the_caller_needs_it() -> None:
    listing = FakeListing()
    pages = AsyncPageIterator(listing.fetch, None)
    assert await pages.__anext__() == 1
    await asyncio.sleep(0)
    assert listing.fetched == [None, "c1"]
    assert [item async for item in pages] == [2, 3, 4, 5]


async def test_prefetch_makes_progress_while_a_busy_caller_uses_the_page() -> None:
    received: list[str | None] = []

    async def fetch(cursor: str | None) -> Page[int]:
        if cursor is None:
            return Page(list(range(100)), "next")
        received.append(cursor)
        return Page([100], None)

    pages = AsyncPageIterator(fetch, None)
    # The caller never awaits anything but the iterator itself (CPU-bound work per item).
    for _ in range(50):
        await pages.__anext__()
    assert received == ["next"]
    assert [item async for item in pages] == [*range(50, 101)]


async def test_without_prefetch_pages_are_fetched_on_demand() -> None:
    listing = FakeListing()
    pages = AsyncPageIterator(listing.fetch, None, prefetch=False)
    assert await pages.__anext__() == 1
    await asyncio.sleep(0)
    assert listing.fetched == [None]
    assert [item async for item in pages] == [2, 3, 4, 5]


@pytest.mark.parametrize("prefetch", [True, False])
async def test_a_failed_page_is_raised_only_when_reached_with_its_cursor(prefetch: bool) -> None:
    listing = FakeListing(broken={"c1"})
    seen: list[int] = []

    async def collect() -> None:
        async for item in AsyncPageIterator(listing.fetch, None, prefetch):
            seen.append(item)
            await asyncio.sleep(0)  # let a prefetch fail while page 1 is still in use

    with pytest.raises(PagedException) as info:
        await collect()
    assert seen == [1, 2]
    assert info.value.cursor == "c1"
    assert isinstance(info.value.error, ConnectionError)
    listing.broken.clear()
    assert [i async for i in AsyncPageIterator(listing.fetch, info.value.cursor)] == [3, 4, 5]


@pytest.mark.parametrize("broken", [set(), {None}, {"c1"}, {"c2"}])
async def test_same_items_and_failure_as_the_sync_iteration(broken: set[str | None]) -> None:
    listing = FakeListing(broken=broken)
    sync_items: list[int] = []
    sync_error: PagedException | None = None
    try:
        sync_items.extend(iterate_pages(listing.fetch_sync, None))
    except PagedException as exc:
        sync_error = exc
    async_items: list[int] = []
    async_error: PagedException | None = None
    try:
        async for item in AsyncPageIterator(listing.fetch, None):
            async_items.append(item)
    except PagedException as exc:
        async_error = exc
    assert async_items == sync_items
    assert (async_error is None) == (sync_error is None)
    if async_error is not None and sync_error is not None:
        assert async_error.cursor == sync_error.cursor
        assert str(async_error.error) == str(sync_error.error)


async def test_aclose_cancels_a_pending_prefetch() -> None:
    listing = FakeListing()
    listing.gate = asyncio.Event()
    pages = AsyncPageIterator(listing.fetch, None)
    assert await pages.__anext__() == 1
    await asyncio.sleep(0)
    await pages.aclose()
    await asyncio.sleep(0)
    assert listing.cancelled == ["c1"]
    assert [item async for item in pages] == []


async def test_an_abandoned_failed_prefetch_is_silent() -> None:
    listing = FakeListing(broken={"c1"})
    loop_errors: list[object] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: loop_errors.append(ctx))
    async for _item in AsyncPageIterator(listing.fetch, None):
        break
    await asyncio.sleep(0.01)
    import gc

    gc.collect()
    assert loop_errors == []
