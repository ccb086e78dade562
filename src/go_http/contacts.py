"""The contacts and groups API: operations and the sync :class:`ContactsApiClient`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from go_http._client import BearerClient
from go_http._operation import (
    ApiRequest,
    Operation,
    ensure_json_object,
    ensure_text,
    one_of,
    parse_json,
    path,
    query,
)
from go_http._paging import DEFAULT_PAGE_SIZE, Page, check_page_size, iterate_pages, parse_page
from go_http._protocol import ADDRESS_FIELDS
from go_http.exceptions import ApiError, NotFoundError

Contact = dict[str, Any]
Group = dict[str, Any]


# -- operations (pure: no I/O) ------------------------------------------------------------


def contacts_page(cursor: str | None, page_size: int) -> Operation[Page[Contact]]:
    """One page of the account's contacts."""
    params = query(max_results=check_page_size(page_size), cursor=cursor)
    return Operation(ApiRequest("GET", "contacts/", params), parse_page)


def groups_page(cursor: str | None, page_size: int) -> Operation[Page[Group]]:
    """One page of the account's groups."""
    params = query(max_results=check_page_size(page_size), cursor=cursor)
    return Operation(ApiRequest("GET", "groups/", params), parse_page)


def group_contacts_page(
    group_key: str, cursor: str | None, page_size: int
) -> Operation[Page[Contact]]:
    """One page of a group's contacts (static members first, then smart-query matches)."""
    params = query(max_results=check_page_size(page_size), cursor=cursor)
    route = path("groups", ensure_text(group_key, "group_key"), "contacts")
    return Operation(ApiRequest("GET", route, params), parse_page)


def create_contact(contact_data: dict[str, Any]) -> Operation[Contact]:
    body = ensure_json_object(contact_data, "contact_data")
    return Operation(ApiRequest("POST", "contacts/", body=body, idempotent=False), parse_json)


def _lookup_not_found(error: ApiError) -> Contact:
    # The server answers a failed address lookup with 400 "Object ... not found."; callers
    # expect a not-found error, so it becomes one (status_code stays 400).
    if error.status_code == 400 and error.reason.rstrip().endswith("not found."):
        raise NotFoundError(
            str(error), status_code=400, reason=error.reason, response=error.response
        ) from None
    raise error


def _first_contact(response: Any) -> Contact:
    data = response.json()["data"]
    if not data:
        raise NotFoundError(
            "contact lookup returned no contact", status_code=200, reason="No contact matched"
        )
    return dict(data[0])


def get_contact(key: str | None = None, **lookup: str) -> Operation[Contact]:
    """Read a contact by key, or look one up by one address field (``msisdn='+27...'``)."""
    if (key is None) == (not lookup) or len(lookup) > 1:
        raise ValueError(
            "get_contact takes either a contact key or exactly one field=value lookup, "
            f"e.g. get_contact(msisdn='+27821234567'); got key={key!r}, lookup={lookup!r}"
        )
    if key is not None:
        route = path("contacts", ensure_text(key, "contact key"))
        return Operation(ApiRequest("GET", route), parse_json)
    ((field, value),) = lookup.items()
    one_of(field, ADDRESS_FIELDS, "the lookup field")
    ensure_text(value, field)
    params = query(query=f"{field}={value}")
    return Operation(ApiRequest("GET", "contacts/", params), _first_contact, _lookup_not_found)


def update_contact(contact_key: str, update_data: dict[str, Any]) -> Operation[Contact]:
    route = path("contacts", ensure_text(contact_key, "contact_key"))
    body = ensure_json_object(update_data, "update_data")
    return Operation(ApiRequest("PUT", route, body=body), parse_json)


def delete_contact(contact_key: str) -> Operation[Contact]:
    route = path("contacts", ensure_text(contact_key, "contact_key"))
    # Not retried after the request may have arrived: a repeat would answer 404.
    return Operation(ApiRequest("DELETE", route, idempotent=False), parse_json)


def create_group(group_data: dict[str, Any]) -> Operation[Group]:
    body = ensure_json_object(group_data, "group_data")
    return Operation(ApiRequest("POST", "groups/", body=body, idempotent=False), parse_json)


def get_group(group_key: str) -> Operation[Group]:
    route = path("groups", ensure_text(group_key, "group_key"))
    return Operation(ApiRequest("GET", route), parse_json)


def update_group(group_key: str, update_data: dict[str, Any]) -> Operation[Group]:
    route = path("groups", ensure_text(group_key, "group_key"))
    body = ensure_json_object(update_data, "update_data")
    return Operation(ApiRequest("PUT", route, body=body), parse_json)


def delete_group(group_key: str) -> Operation[Group]:
    route = path("groups", ensure_text(group_key, "group_key"))
    # Not retried after the request may have arrived: a repeat would answer 404.
    return Operation(ApiRequest("DELETE", route, idempotent=False), parse_json)


# -- sync client ----------------------------------------------------------------------------


class ContactsApiClient(BearerClient):
    """Client for the contacts and groups API.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: a ``requests.Session`` (default: a new one).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    """

    def contacts(
        self, start_cursor: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[Contact]:
        """Iterate over every contact, one page at a time, lazily.

        :param str start_cursor: resume from this cursor (from a :class:`PagedException`).
        :param int page_size: contacts asked for per page (the server may send fewer).
        :raises PagedException: a page failed; its ``cursor`` resumes the listing.
        """
        check_page_size(page_size)
        return iterate_pages(lambda c: self.contacts_page(c, page_size=page_size), start_cursor)

    def contacts_page(
        self, cursor: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[Contact]:
        """One page of contacts: its ``items`` and the ``cursor`` of the next (or ``None``)."""
        return self._run(contacts_page(cursor, page_size))

    def group_contacts(
        self,
        group_key: str,
        start_cursor: str | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Contact]:
        """Iterate over every contact in a group, lazily.

        :param str group_key: the group's key.
        :param str start_cursor: resume from this cursor (from a :class:`PagedException`).
        :param int page_size: contacts asked for per page.
        :raises PagedException: a page failed; its ``cursor`` resumes the listing.
        """
        ensure_text(group_key, "group_key")
        check_page_size(page_size)
        return iterate_pages(
            lambda c: self.group_contacts_page(group_key, c, page_size=page_size), start_cursor
        )

    def group_contacts_page(
        self, group_key: str, cursor: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[Contact]:
        """One page of a group's contacts."""
        return self._run(group_contacts_page(group_key, cursor, page_size))

    def groups(
        self, start_cursor: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[Group]:
        """Iterate over every group, lazily.

        :raises PagedException: a page failed; its ``cursor`` resumes the listing.
        """
        check_page_size(page_size)
        return iterate_pages(lambda c: self.groups_page(c, page_size=page_size), start_cursor)

    def groups_page(
        self, cursor: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[Group]:
        """One page of groups."""
        return self._run(groups_page(cursor, page_size))

    def create_contact(self, contact_data: dict[str, Any]) -> Contact:
        """Create a contact (``msisdn`` is required) and return it.

        :param dict contact_data: the contact's fields.
        """
        return self._run(create_contact(contact_data))

    def get_contact(self, key: str | None = None, **lookup: str) -> Contact:
        """Get a contact by key, or by one address field: ``get_contact(msisdn='+27...')``.

        :param str key: the contact's key.
        :param lookup: exactly one of ``msisdn``, ``twitter_handle``, ``facebook_id``,
            ``bbm_pin``, ``gtalk_id``, ``mxit_id`` or ``wechat_id``.
        :raises NotFoundError: no such contact.
        """
        return self._run(get_contact(key, **lookup))

    def update_contact(self, contact_key: str, update_data: dict[str, Any]) -> Contact:
        """Change some fields of a contact (``groups`` given are added) and return it.

        :param str contact_key: the contact's key.
        :param dict update_data: the fields to change.
        """
        return self._run(update_contact(contact_key, update_data))

    def delete_contact(self, contact_key: str) -> Contact:
        """Delete a contact and return it as it was.

        :param str contact_key: the contact's key.
        """
        return self._run(delete_contact(contact_key))

    def create_group(self, group_data: dict[str, Any]) -> Group:
        """Create a group (``name`` required; a ``query`` makes it a smart group).

        :param dict group_data: the group's fields.
        """
        return self._run(create_group(group_data))

    def get_group(self, group_key: str) -> Group:
        """Get a group by key.

        :param str group_key: the group's key.
        """
        return self._run(get_group(group_key))

    def update_group(self, group_key: str, update_data: dict[str, Any]) -> Group:
        """Change some fields of a group and return it.

        :param str group_key: the group's key.
        :param dict update_data: the fields to change.
        """
        return self._run(update_group(group_key, update_data))

    def delete_group(self, group_key: str) -> Group:
        """Delete a group and return it as it was.

        :param str group_key: the group's key.
        """
        return self._run(delete_group(group_key))
