"""Cursor pagination, written once for every paged listing (sync and async)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
