"""The contacts and groups API, async: :class:`AsyncContactsApiClient`."""

from __future__ import annotations

from typing import Any

from go_http import contacts as ops
from go_http._operation import ensure_text
from go_http._paging import DEFAULT_PAGE_SIZE, AsyncPageIterator, Page, check_page_size
from go_http.aio._client import AsyncBearerClient
from go_http.contacts import Contact, Group


class AsyncContactsApiClient(AsyncBearerClient):
    """Async client for the contacts and groups API; see :class:`go_http.ContactsApiClient`.

    The listings (:meth:`contacts`, :meth:`group_contacts`, :meth:`groups`) are used with
    ``async for``.  By default they fetch the next page while the caller works through
    the current one (``prefetch=False`` turns that off).  A prefetched page's failure is
    raised only when the caller reaches that page, as a :class:`PagedException` whose
    ``cursor`` resumes right after the last item handed out, exactly as without prefetch.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: an ``aiohttp.ClientSession`` (default: one created on first use).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    """

    def contacts(
        self,
        start_cursor: str | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        prefetch: bool = True,
    ) -> AsyncPageIterator[Contact]:
        """Iterate over every contact with ``async for``.

        :param str start_cursor: resume from this cursor (from a :class:`PagedException`).
        :param int page_size: contacts asked for per page (the server may send fewer).
        :param bool prefetch: fetch the next page while the current one is used.
        :raises PagedException: a page failed; its ``cursor`` resumes the listing.
        """
        check_page_size(page_size)
        return AsyncPageIterator(
            lambda c: self.contacts_page(c, page_size=page_size), start_cursor, prefetch
        )

    async def contacts_page(
        self, cursor: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[Contact]:
        """One page of contacts: its ``items`` and the ``cursor`` of the next (or ``None``)."""
        return await self._run(ops.contacts_page(cursor, page_size))

    def group_contacts(
        self,
        group_key: str,
        start_cursor: str | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        prefetch: bool = True,
    ) -> AsyncPageIterator[Contact]:
        """Iterate over every contact in a group with ``async for``.

        :param str group_key: the group's key.
        :param str start_cursor: resume from this cursor (from a :class:`PagedException`).
        :param int page_size: contacts asked for per page.
        :param bool prefetch: fetch the next page while the current one is used.
        :raises PagedException: a page failed; its ``cursor`` resumes the listing.
        """
        ensure_text(group_key, "group_key")
        check_page_size(page_size)
        return AsyncPageIterator(
            lambda c: self.group_contacts_page(group_key, c, page_size=page_size),
            start_cursor,
            prefetch,
        )

    async def group_contacts_page(
        self, group_key: str, cursor: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[Contact]:
        """One page of a group's contacts."""
        return await self._run(ops.group_contacts_page(group_key, cursor, page_size))

    def groups(
        self,
        start_cursor: str | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        prefetch: bool = True,
    ) -> AsyncPageIterator[Group]:
        """Iterate over every group with ``async for``.

        :raises PagedException: a page failed; its ``cursor`` resumes the listing.
        """
        check_page_size(page_size)
        return AsyncPageIterator(
            lambda c: self.groups_page(c, page_size=page_size), start_cursor, prefetch
        )

    async def groups_page(
        self, cursor: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[Group]:
        """One page of groups."""
        return await self._run(ops.groups_page(cursor, page_size))

    async def create_contact(self, contact_data: dict[str, Any]) -> Contact:
        """Create a contact (``msisdn`` is required) and return it."""
        return await self._run(ops.create_contact(contact_data))

    async def get_contact(self, key: str | None = None, **lookup: str) -> Contact:
        """Get a contact by key, or by one address field: ``get_contact(msisdn='+27...')``.

        :raises NotFoundError: no such contact.
        """
        return await self._run(ops.get_contact(key, **lookup))

    async def update_contact(self, contact_key: str, update_data: dict[str, Any]) -> Contact:
        """Change some fields of a contact and return it."""
        return await self._run(ops.update_contact(contact_key, update_data))

    async def delete_contact(self, contact_key: str) -> Contact:
        """Delete a contact and return it as it was."""
        return await self._run(ops.delete_contact(contact_key))

    async def create_group(self, group_data: dict[str, Any]) -> Group:
        """Create a group (``name`` required; a ``query`` makes it a smart group)."""
        return await self._run(ops.create_group(group_data))

    async def get_group(self, group_key: str) -> Group:
        """Get a group by key."""
        return await self._run(ops.get_group(group_key))

    async def update_group(self, group_key: str, update_data: dict[str, Any]) -> Group:
        """Change some fields of a group and return it."""
        return await self._run(ops.update_group(group_key, update_data))

    async def delete_group(self, group_key: str) -> Group:
        """Delete a group and return it as it was."""
        return await self._run(ops.delete_group(group_key))
