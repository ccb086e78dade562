"""Opt-outs API (spec §5).  Shares the ``optouts`` table with the send-mode check."""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from go_http._protocol import vumi_timestamp
from go_http.sandbox.web import bearer_account, html_page, json_response, sandbox_of

#: The opt-out API answers ``application/json`` without a charset.
CONTENT_TYPE = "application/json"


def envelope(code: int, reason: str, **members: Any) -> Response:
    """A response carrying the ``status`` object (§5.2)."""
    return json_response(
        {"status": {"code": code, "reason": reason}, **members}, code, CONTENT_TYPE
    )


def _record(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "user_account": row["account_key"],
        "message": row["message"],
        "created_at": row["created_at"],
        "address_type": row["address_type"],
        "address": row["address"],
    }


def _find(
    conn: sqlite3.Connection, account_key: str, address_type: str, address: str
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM optouts WHERE account_key = ? AND address_type = ? AND address = ?",
        (account_key, address_type, address),
    ).fetchone()
    return row


def _apply(args: tuple[Any, str, str, str, str]) -> tuple[int, str, dict[str, Any] | None]:
    """Run one opt-out operation in one transaction; return (status, reason, record)."""
    store, method, account_key, address_type, address = args
    with store.write() as conn:
        row = _find(conn, account_key, address_type, address)
        if method == "GET":
            return (200, "OK", _record(row)) if row else (404, "Opt out not found.", None)
        if method == "DELETE":
            if row is None:
                return 404, "There's nothing to delete.", None
            conn.execute(
                "DELETE FROM optouts WHERE account_key = ? AND address_type = ? AND address = ?",
                (account_key, address_type, address),
            )
            return 200, "OK", _record(row)
        if row is not None:
            return 409, "Opt out already exists.", None
        conn.execute(
            "INSERT INTO optouts (account_key, address_type, address, message, created_at)"
            " VALUES (?, ?, ?, NULL, ?)",
            (account_key, address_type, address, vumi_timestamp()),
        )
        created = _find(conn, account_key, address_type, address)
        assert created is not None
        return 200, "OK", _record(created)


def _count(args: tuple[Any, str]) -> int:
    store, account_key = args
    with store.read() as conn:
        row = conn.execute(
            "SELECT COUNT(*) AS n FROM optouts WHERE account_key = ?", (account_key,)
        ).fetchone()
    return int(row["n"])


async def optout_endpoint(request: Request) -> Response:
    """``GET|PUT|DELETE /optouts/{address_type}/{address}`` (path already percent-decoded)."""
    if request.method not in ("GET", "HEAD", "PUT", "DELETE"):
        return html_page(405, "Method Not Allowed", "Use GET, PUT or DELETE.")
    account_key = await bearer_account(request)
    if account_key is None:
        return envelope(401, "Owner ID not valid.")
    method = "GET" if request.method == "HEAD" else request.method
    store = sandbox_of(request).store
    address_type = request.path_params["address_type"]
    address = request.path_params["address"]
    status, reason, record = await run_in_threadpool(
        _apply, (store, method, account_key, address_type, address)
    )
    if record is None:
        return envelope(status, reason)
    return envelope(status, reason, opt_out=record)


async def count_endpoint(request: Request) -> Response:
    """``GET /optouts/count``."""
    if request.method not in ("GET", "HEAD"):
        return html_page(405, "Method Not Allowed", "Use GET.")
    account_key = await bearer_account(request)
    if account_key is None:
        return envelope(401, "Owner ID not valid.")
    count = await run_in_threadpool(_count, (sandbox_of(request).store, account_key))
    return envelope(200, "OK", opt_out_count=count)
