"""Contacts & groups API (spec §4): validation, paging, streaming, smart groups."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from go_http._protocol import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    JSON_CONTENT_TYPE,
    new_key,
    normalize_msisdn,
    vumi_timestamp,
)
from go_http.sandbox.pyrepr import py2_repr
from go_http.sandbox.query import QueryError, compile_query
from go_http.sandbox.store import Store
from go_http.sandbox.toolkit import (
    ToolkitError,
    decode_cursor,
    encode_cursor,
    guarded,
    is_stream,
    json_body,
    method_not_allowed,
    owner,
    page_size,
)
from go_http.sandbox.web import json_response, query_value, sandbox_of

#: String fields of a contact and their maximum lengths (``None``: unlimited).
STRING_FIELDS: dict[str, int | None] = {
    "name": 255,
    "surname": 255,
    "email_address": None,
    "msisdn": 255,
    "twitter_handle": 100,
    "facebook_id": 100,
    "bbm_pin": 100,
    "gtalk_id": None,
    "mxit_id": None,
    "wechat_id": None,
}
CONTACT_WRITABLE = frozenset(CONTACT_FIELDS) - {"key", "$VERSION"}
GROUP_WRITABLE = frozenset({"user_account", "name", "query", "created_at"})

NON_NULL = "None is not allowed as a value for non-null fields."
BAD_TIMESTAMP = "Timestamp field expects a datetime or an iso8601 formatted string."
NOT_SUPPORTED = "query parameter not supported"


def _not_unicode(value: Any) -> ToolkitError:
    return ToolkitError(400, f"Value {py2_repr(value)} is not a unicode string.")


def _timestamp(value: Any, nullable: bool) -> str | None:
    if value is None:
        if nullable:
            return None
        raise ToolkitError(400, NON_NULL)
    if not isinstance(value, str):
        raise ToolkitError(400, BAD_TIMESTAMP)
    try:
        # OverflowError: an offset moves the moment outside years 1-9999 in UTC.
        return vumi_timestamp(dt.datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError) as exc:
        raise ToolkitError(400, BAD_TIMESTAMP) from exc


def _string(value: Any, nullable: bool, max_length: int | None) -> str | None:
    if value is None:
        if nullable:
            return None
        raise ToolkitError(400, NON_NULL)
    if not isinstance(value, str):
        raise _not_unicode(value)
    if max_length is not None and len(value) > max_length:
        raise ToolkitError(
            400, f"Value {py2_repr(value)} too long (maximum length is {max_length})."
        )
    return value


def _subfields(value: Any) -> dict[str, str]:
    if value is None:
        raise ToolkitError(400, NON_NULL)
    if not isinstance(value, dict):
        raise ToolkitError(
            400, f"Value {py2_repr(value)} should be a dict of subfield name-value pairs"
        )
    for item in value.values():
        if not isinstance(item, str):
            raise _not_unicode(item)
    return dict(value)


def _group_keys(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ToolkitError(400, f"Value {py2_repr(value)} is not a list of group keys.")
    for item in value:
        if not isinstance(item, str):
            raise _not_unicode(item)
    return list(value)


def clean_contact(payload: Any, creating: bool) -> dict[str, Any]:
    """Validate a contact body and return the fields to set.

    :param payload: the decoded body.
    :param bool creating: POST (``msisdn`` required) rather than a partial PUT.
    :raises ToolkitError: 400 with the storage layer's message.
    """
    if not isinstance(payload, dict):
        raise ToolkitError(400, "Contact data must be a JSON object.")
    invalid = sorted(key for key in payload if key not in CONTACT_WRITABLE)
    if invalid:
        raise ToolkitError(400, f"Invalid contact fields: {', '.join(invalid)}")
    if creating and payload.get("msisdn") is None:
        raise ToolkitError(400, NON_NULL)
    changes: dict[str, Any] = {}
    for field in sorted(payload):
        value = payload[field]
        if field in STRING_FIELDS:
            changes[field] = _string(value, field != "msisdn", STRING_FIELDS[field])
        elif field in ("created_at", "dob"):
            changes[field] = _timestamp(value, nullable=field == "dob")
        elif field in ("extra", "subscription"):
            changes[field] = _subfields(value)
        elif field == "groups":
            changes[field] = _group_keys(value)
    return changes


def clean_group(payload: Any, creating: bool) -> dict[str, Any]:
    """Validate a group body and return the fields to set.

    :raises ToolkitError: 400 with the real server's messages.
    """
    if not isinstance(payload, dict):
        raise ToolkitError(400, "Group data must be a JSON object.")
    invalid = sorted(key for key in payload if key not in GROUP_WRITABLE)
    if invalid:
        raise ToolkitError(400, f"Invalid group fields: {', '.join(invalid)}")
    if creating and payload.get("name") is None:
        raise ToolkitError(400, "The group name must be specified in group creation")
    changes: dict[str, Any] = {}
    if "name" in payload:
        changes["name"] = _string(payload["name"], False, None)
    if "query" in payload:
        query = _string(payload["query"], True, None)
        if query is not None:
            try:
                compile_query(query)
            except QueryError as exc:
                raise ToolkitError(400, f"Invalid smart group query: {exc}") from exc
        changes["query"] = query
    if "created_at" in payload and not creating:
        changes["created_at"] = _timestamp(payload["created_at"], nullable=False)
    return changes


# -- row sources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A key-ordered set of rows of one account: ``table`` filtered by ``where``."""

    table: str
    account_key: str
    where: str = "1"
    params: tuple[Any, ...] = ()

    def _sql(self, tail: str) -> str:
        return (
            f"SELECT key, data FROM {self.table} WHERE account_key = ? AND ({self.where}) {tail}"
        )

    def after(self, store: Store, last_key: str | None, limit: int) -> list[tuple[str, str]]:
        """Up to ``limit`` rows with keys after ``last_key``."""
        with store.read() as conn:
            rows = conn.execute(
                self._sql("AND (? IS NULL OR key > ?) ORDER BY key LIMIT ?"),
                (self.account_key, *self.params, last_key, last_key, limit),
            ).fetchall()
        return [(row["key"], row["data"]) for row in rows]

    def at_offset(self, store: Store, offset: int, limit: int) -> list[tuple[str, str]]:
        """Up to ``limit`` rows starting at position ``offset``."""
        with store.read() as conn:
            rows = conn.execute(
                self._sql("ORDER BY key LIMIT ? OFFSET ?"),
                (self.account_key, *self.params, limit, offset),
            ).fetchall()
        return [(row["key"], row["data"]) for row in rows]


async def _lines(store: Store, sources: list[Source], batch: int) -> AsyncIterator[bytes]:
    """NDJSON of every row of the sources, read in batches (never all in memory)."""
    for source in sources:
        last: str | None = None
        while True:
            rows = await run_in_threadpool(source.after, store, last, batch)
            for key, data in rows:
                last = key
                yield data.encode() + b"\n"
            if len(rows) < batch:
                break


def _stream(request: Request, sources: list[Source]) -> Response:
    sandbox = sandbox_of(request)
    return StreamingResponse(
        _lines(sandbox.store, sources, sandbox.config.stream_batch),
        headers={"Content-Type": JSON_CONTENT_TYPE},
    )


def _page(data: list[tuple[str, str]], cursor: str | None) -> Response:
    body = '{"cursor": %s, "data": [%s]}' % (  # noqa: UP031 - rows are already JSON
        json.dumps(cursor),
        ", ".join(row for _, row in data),
    )
    return Response(body, headers={"Content-Type": JSON_CONTENT_TYPE})


async def _keyed_page(request: Request, source: Source, collection: str, size: int) -> Response:
    last = decode_cursor(collection, query_value(request, "cursor"))
    rows = await run_in_threadpool(source.after, sandbox_of(request).store, last, size)
    # Like Riak 2i: a full page always carries a cursor, even if nothing follows.
    cursor = encode_cursor(collection, rows[-1][0]) if len(rows) == size and rows else None
    return _page(rows, cursor)


def _reason(template: str) -> Callable[[Request], str]:
    def reason(request: Request) -> str:
        key = request.path_params.get("key", "")
        return template.format(key=py2_repr(key))

    return reason


# -- contacts ------------------------------------------------------------------------------


def _stored(
    conn: sqlite3.Connection, table: str, account_key: str, key: str
) -> dict[str, Any] | None:
    """The account's stored object with this key, or ``None``."""
    row = conn.execute(
        f"SELECT data FROM {table} WHERE account_key = ? AND key = ?", (account_key, key)
    ).fetchone()
    return None if row is None else dict(json.loads(row["data"]))


def _load(store: Store, table: str, account_key: str, key: str) -> dict[str, Any] | None:
    with store.read() as conn:
        return _stored(conn, table, account_key, key)


def _lookup(store: Store, account_key: str, field: str, value: str) -> str | None:
    with store.read() as conn:
        row = conn.execute(
            "SELECT data FROM contacts WHERE account_key = ? AND json_extract(data, ?) = ?"
            " ORDER BY seq DESC LIMIT 1",
            (account_key, f"$.{field}", value),
        ).fetchone()
    return None if row is None else str(row["data"])


async def _address_lookup(request: Request, account_key: str, query: str) -> Response:
    parts = query.split("=")
    if len(parts) != 2:
        raise ToolkitError(400, "Query must be of the form 'field=value'")
    field, value = parts
    if field not in ADDRESS_FIELDS:
        raise ToolkitError(400, f"Query field must be one of: {list(ADDRESS_FIELDS)}")
    if field == "msisdn":
        value = normalize_msisdn(value)
    store = sandbox_of(request).store
    found = await run_in_threadpool(_lookup, store, account_key, field, value)
    if found is None:
        label = py2_repr(f"Contact with {field} {value}")
        raise ToolkitError(400, f"Object {label} not found.")
    return _page([("", found)], None)


def _create_contact(store: Store, account_key: str, changes: dict[str, Any]) -> dict[str, Any]:
    contact: dict[str, Any] = {
        "key": new_key(),
        "$VERSION": 2,
        "user_account": account_key,
        "created_at": vumi_timestamp(),
        **dict.fromkeys(("name", "surname", "email_address", "dob")),
        **dict.fromkeys(STRING_FIELDS),
        "groups": [],
        "extra": {},
        "subscription": {},
    }
    contact.update(changes)
    contact = {field: contact[field] for field in CONTACT_FIELDS}
    with store.write() as conn:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM contacts").fetchone()[0]
        conn.execute(
            "INSERT INTO contacts (key, account_key, seq, data) VALUES (?, ?, ?, ?)",
            (contact["key"], account_key, seq, json.dumps(contact)),
        )
    return contact


def _collection_failure(request: Request) -> str:
    """The toolkit's fixed 500 reason for a collection route (spec §3)."""
    return (
        "Failed to create object." if request.method == "POST" else "Failed to retrieve objects."
    )


@guarded(_collection_failure)
async def contacts_collection(request: Request) -> Response:
    """``GET|POST /contacts/``."""
    if request.method not in ("GET", "HEAD", "POST"):
        return method_not_allowed()
    account_key = await owner(request)
    store = sandbox_of(request).store
    if request.method == "POST":
        changes = clean_contact(await json_body(request), creating=True)
        contact = await run_in_threadpool(_create_contact, store, account_key, changes)
        return json_response(contact)
    source = Source("contacts", account_key)
    query = query_value(request, "query")
    size = page_size(request, sandbox_of(request).config.max_contacts_per_page)
    if is_stream(request):
        if query is not None:
            raise ToolkitError(400, NOT_SUPPORTED)
        return _stream(request, [source])
    if query is not None:
        return await _address_lookup(request, account_key, query)
    return await _keyed_page(request, source, "contacts", size)


def _update(
    store: Store, table: str, account_key: str, key: str, changes: dict[str, Any]
) -> dict[str, Any] | None:
    with store.write() as conn:
        current = _stored(conn, table, account_key, key)
        if current is None:
            return None
        for field, value in changes.items():
            if field == "groups":
                # PUT only ever adds memberships (spec §4.4).
                value = current["groups"] + [g for g in value if g not in current["groups"]]
            current[field] = value
        conn.execute(
            f"UPDATE {table} SET data = ? WHERE account_key = ? AND key = ?",
            (json.dumps(current), account_key, key),
        )
    return current


def _delete(store: Store, table: str, account_key: str, key: str) -> dict[str, Any] | None:
    with store.write() as conn:
        deleted = _stored(conn, table, account_key, key)
        if deleted is not None:
            conn.execute(
                f"DELETE FROM {table} WHERE account_key = ? AND key = ?", (account_key, key)
            )
    return deleted


_ELEMENT_REASONS = {"GET": "retrieve", "HEAD": "retrieve", "PUT": "update", "DELETE": "delete"}


def _element_reason(request: Request) -> str:
    verb = _ELEMENT_REASONS.get(request.method, "retrieve")
    return f"Failed to {verb} {py2_repr(request.path_params.get('key', ''))}"


async def _element(request: Request, table: str, label: str, clean: Any) -> Response:
    if request.method not in _ELEMENT_REASONS:
        return method_not_allowed()
    account_key = await owner(request)
    store = sandbox_of(request).store
    key = request.path_params["key"]
    found: dict[str, Any] | None
    if request.method == "PUT":
        changes = clean(await json_body(request), creating=False)
        found = await run_in_threadpool(_update, store, table, account_key, key, changes)
    elif request.method == "DELETE":
        found = await run_in_threadpool(_delete, store, table, account_key, key)
    else:
        found = await run_in_threadpool(_load, store, table, account_key, key)
    if found is None:
        raise ToolkitError(404, f"{label} '{key}' not found.")
    return json_response(found)


@guarded(_element_reason)
async def contact_element(request: Request) -> Response:
    """``GET|PUT|DELETE /contacts/{key}``."""
    return await _element(request, "contacts", "Contact", clean_contact)


# -- groups --------------------------------------------------------------------------------


def _create_group(store: Store, account_key: str, changes: dict[str, Any]) -> dict[str, Any]:
    group = {
        "key": new_key(),
        "$VERSION": None,
        "user_account": account_key,
        "name": changes["name"],
        "query": changes.get("query"),
        "created_at": vumi_timestamp(),
    }
    with store.write() as conn:
        conn.execute(
            "INSERT INTO contact_groups (key, account_key, data) VALUES (?, ?, ?)",
            (group["key"], account_key, json.dumps(group)),
        )
    return group


@guarded(_collection_failure)
async def groups_collection(request: Request) -> Response:
    """``GET|POST /groups/``."""
    if request.method not in ("GET", "HEAD", "POST"):
        return method_not_allowed()
    account_key = await owner(request)
    store = sandbox_of(request).store
    if request.method == "POST":
        changes = clean_group(await json_body(request), creating=True)
        group = await run_in_threadpool(_create_group, store, account_key, changes)
        return json_response(group)
    if query_value(request, "query") is not None:
        raise ToolkitError(400, NOT_SUPPORTED)
    source = Source("contact_groups", account_key)
    size = page_size(request, sandbox_of(request).config.max_groups_per_page)
    if is_stream(request):
        return _stream(request, [source])
    return await _keyed_page(request, source, "groups", size)


@guarded(_element_reason)
async def group_element(request: Request) -> Response:
    """``GET|PUT|DELETE /groups/{key}``."""
    return await _element(request, "contact_groups", "Group", clean_group)


# -- group members -------------------------------------------------------------------------

_STATIC = "staticgroup"
_DYNAMIC = "dynamicgroup"
#: A dynamic-phase offset: ASCII digits that fit SQLite's 64-bit OFFSET (``str.isdigit``
#: would also take ``²`` or Arabic-Indic digits).
_OFFSET = re.compile(r"[0-9]{1,18}")


def _rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


def _member_sources(
    account_key: str, group: dict[str, Any] | None
) -> tuple[Source, Source | None]:
    static = Source(
        "contacts",
        account_key,
        "EXISTS (SELECT 1 FROM json_each(contacts.data, '$.groups') g WHERE g.value = ?)",
        (group["key"] if group else "",),
    )
    if group is None or group.get("query") is None:
        return static, None
    try:
        condition = compile_query(group["query"])
    except QueryError:
        return static, None
    return static, Source("contacts", account_key, condition.sql, condition.params)


def _member_cursor(raw: str | None) -> tuple[str, str]:
    """``(phase, position)`` of a group-members cursor (ROT13 of a phase prefix)."""
    if not raw:
        return _STATIC, ""
    text = _rot13(raw)
    if text.startswith(_STATIC):
        return _STATIC, text[len(_STATIC) :]
    offset = text[len(_DYNAMIC) :] or "0"
    if text.startswith(_DYNAMIC) and _OFFSET.fullmatch(offset):
        return _DYNAMIC, offset
    raise ToolkitError(400, f"Invalid cursor: {py2_repr(raw)}")


@guarded(_reason("Failed to retrieve contacts for group {key}."))
async def group_contacts(request: Request) -> Response:
    """``GET /groups/{key}/contacts``: static members, then smart-query matches."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    account_key = await owner(request)
    if query_value(request, "query") is not None:
        raise ToolkitError(400, NOT_SUPPORTED)
    store = sandbox_of(request).store
    size = page_size(request, sandbox_of(request).config.max_contacts_per_page)
    phase, position = _member_cursor(query_value(request, "cursor"))
    group = await run_in_threadpool(
        _load, store, "contact_groups", account_key, request.path_params["key"]
    )
    if group is None:
        # An unknown group reads as an empty one, not a 404 (spec §4.6).
        return _stream(request, []) if is_stream(request) else _page([], None)
    static, dynamic = _member_sources(account_key, group)
    if is_stream(request):
        return _stream(request, [static] if dynamic is None else [static, dynamic])
    if phase == _STATIC:
        rows = await run_in_threadpool(static.after, store, position or None, size)
        cursor: str | None = None
        if len(rows) == size and rows:
            cursor = _rot13(_STATIC + rows[-1][0])
        elif dynamic is not None:
            cursor = _rot13(_DYNAMIC)
        return _page(rows, cursor)
    if dynamic is None:
        return _page([], None)
    offset = int(position)
    rows = await run_in_threadpool(dynamic.at_offset, store, offset, size)
    return _page(rows, _rot13(f"{_DYNAMIC}{offset + len(rows)}") if rows else None)
