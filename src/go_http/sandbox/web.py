"""HTTP plumbing shared by the API modules: bodies, JSON, HTML pages, bearer auth."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from go_http._protocol import JSON_CONTENT_TYPE
from go_http.sandbox.config import SandboxConfig
from go_http.sandbox.store import Store


@dataclass
class Sandbox:
    """What every handler needs: the store and the limits.

    :param Store store: the database.
    :param SandboxConfig config: the limits.
    """

    store: Store
    config: SandboxConfig


def sandbox_of(request: Request) -> Sandbox:
    """The :class:`Sandbox` state of the app serving ``request``."""
    state: Sandbox = request.app.state.sandbox
    return state


class BodyTooLarge(Exception):
    """The request body is larger than the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body too large (limit is {limit} bytes)")


async def read_body(request: Request) -> bytes:
    """Read the request body, refusing to buffer more than the configured limit.

    :raises BodyTooLarge: the body (declared or actual) exceeds the limit.
    """
    limit = sandbox_of(request).config.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def python_json_error(body: bytes) -> str | None:
    """Return the parser's message if ``body`` is not valid JSON, else ``None``."""
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return str(exc)
    return None


def json_response(
    payload: Any, status: int = 200, content_type: str = JSON_CONTENT_TYPE
) -> Response:
    """A JSON response with an explicit content type (APIs differ on the charset).

    :param payload: the body.
    :param int status: HTTP status.
    :param str content_type: the ``Content-Type`` header value.
    """
    return Response(
        json.dumps(payload), status_code=status, headers={"Content-Type": content_type}
    )


def html_page(status: int, title: str, detail: str) -> HTMLResponse:
    """An HTML error page like the ones Twisted and cyclone produced.

    :param int status: HTTP status.
    :param str title: the page title (the HTTP phrase).
    :param str detail: one sentence of explanation.
    """
    body = (
        f"<html><head><title>{status} - {html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(detail)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def bearer_account(request: Request) -> str | None:
    """Resolve the request's bearer token to an account key (``None`` = not authorised)."""
    token = bearer_token(request)
    if token is None:
        return None
    return await run_in_threadpool(sandbox_of(request).store.account_for_token, token)


def query_value(request: Request, name: str) -> str | None:
    """A query parameter as the toolkit read it: last value wins, whitespace stripped.

    :param str name: parameter name.
    """
    value = request.query_params.get(name)
    return None if value is None else value.strip()
