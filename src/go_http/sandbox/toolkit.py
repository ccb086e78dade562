"""Conventions of go-api-toolkit services (spec §3): errors, auth, paging parameters."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from go_http.sandbox.pyrepr import py2_repr
from go_http.sandbox.web import (
    BodyTooLarge,
    InvalidJson,
    bearer_account,
    bearer_token,
    decode_json,
    json_response,
    query_value,
    read_body,
)

LOG = logging.getLogger("go_http.sandbox")


class ToolkitError(Exception):
    """An error answered as ``{"status_code": N, "reason": …}``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def error_response(status: int, reason: str) -> Response:
    """The toolkit's JSON error body."""
    return json_response({"status_code": status, "reason": reason}, status)


def method_not_allowed() -> Response:
    """A matched route with a method it does not support."""
    return error_response(405, "Method Not Allowed")


async def owner(request: Request) -> str:
    """The caller's account key.

    :raises ToolkitError: 401 without a bearer token, 403 with an unknown one.
    """
    if bearer_token(request) is None:
        raise ToolkitError(401, "Unauthorized")
    account = await bearer_account(request)
    if account is None:
        raise ToolkitError(403, "Forbidden")
    return account


async def json_body(request: Request) -> Any:
    """The decoded JSON body.

    :raises ToolkitError: 413 too large, 400 ``Invalid JSON: …``.
    """
    try:
        body = await read_body(request)
    except BodyTooLarge as exc:
        raise ToolkitError(413, str(exc)) from exc
    try:
        return decode_json(body)
    except InvalidJson as exc:
        raise ToolkitError(400, f"Invalid JSON: {exc}") from exc


def page_size(request: Request, server_max: int) -> int:
    """``max_results``: absent or 0 ⇒ the server maximum, larger values are clamped.

    :raises ToolkitError: 400 when it is not a non-negative integer.
    """
    raw = query_value(request, "max_results")
    if raw is None or raw == "":
        return server_max
    try:
        wanted = int(raw)
    except ValueError as exc:
        raise ToolkitError(400, "max_results must be an integer") from exc
    if wanted < 0:
        raise ToolkitError(400, "max_results must not be negative")
    return server_max if wanted == 0 else min(wanted, server_max)


def is_stream(request: Request) -> bool:
    """``stream`` is exactly ``true``."""
    return query_value(request, "stream") == "true"


def encode_cursor(collection: str, last_key: str) -> str:
    """An opaque continuation: standard base64 (it may contain ``+``, ``/``, ``=``, so
    clients have to URL-encode it, as with the real Riak continuations)."""
    return base64.b64encode(f"{collection}\0{last_key}".encode()).decode("ascii")


def decode_cursor(collection: str, cursor: str | None) -> str | None:
    """The last key of the previous page, or ``None`` for the first page.

    :raises ToolkitError: 400 ``Riak error, possible invalid cursor: …``.
    """
    if not cursor:
        return None
    try:
        text = base64.b64decode(cursor, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, sep, last_key = text.partition("\0")
    if prefix != collection or not sep or not last_key:
        raise ToolkitError(400, f"Riak error, possible invalid cursor: {py2_repr(cursor)}")
    return last_key


Handler = Callable[[Request], Awaitable[Response]]


def guarded(failure_reason: Callable[[Request], str]) -> Callable[[Handler], Handler]:
    """Map :class:`ToolkitError` to its body and any other error to a 500 without traceback.

    :param failure_reason: gives the fixed 500 reason of the operation.
    """

    def wrap(handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except ToolkitError as exc:
                return error_response(exc.status, exc.reason)
            except Exception:
                LOG.exception("unexpected error in %s", handler.__name__)
                return error_response(500, failure_reason(request))

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        return run

    return wrap
