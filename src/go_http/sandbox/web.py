"""HTTP plumbing shared by the API modules: bodies, JSON, HTML pages, bearer auth."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from go_http._protocol import JSON_CONTENT_TYPE
from go_http.sandbox.config import SandboxConfig
from go_http.sandbox.pusher import Push, Pusher
from go_http.sandbox.store import Store


@dataclass
class Sandbox:
    """What every handler needs: the store, the limits and the pusher.

    :param Store store: the database.
    :param SandboxConfig config: the limits.
    :param Pusher pusher: delivers pushes to the conversations' URLs.
    """

    store: Store
    config: SandboxConfig
    pusher: Pusher


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


#: Deepest nesting of arrays and objects a request body may have.  Python's parser would
#: otherwise fail with a RecursionError near 1000 levels, and values just under that could
#: not be encoded again for storage.
MAX_JSON_DEPTH = 100

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidJson(ValueError):
    """A request body that is not JSON the sandbox can store."""


def decode_json(body: bytes) -> Any:
    """Decode a request body as JSON (I-JSON strictness where Python is lax).

    Besides syntax errors, refuses nesting deeper than :data:`MAX_JSON_DEPTH` and strings
    with lone surrogates (``"\\ud800"``, or their raw UTF-8 bytes, which Python's parser
    lets through): they are not Unicode text, so SQLite could not store or compare them.

    :param bytes body: the raw body.
    :raises InvalidJson: with the reason.
    """
    try:
        value = json.loads(body)
    except RecursionError as exc:
        raise InvalidJson(f"nested deeper than {MAX_JSON_DEPTH} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJson(str(exc)) from exc
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            if isinstance(item, str) and _LONE_SURROGATE.search(item):
                raise InvalidJson("string with a lone surrogate (not valid Unicode)")
            continue
        if depth >= MAX_JSON_DEPTH:
            raise InvalidJson(f"nested deeper than {MAX_JSON_DEPTH} levels")
        pending.extend((child, depth + 1) for child in children)
    return value


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


def push_after(request: Request, response: Response, push: Push | None) -> Response:
    """Hand ``push`` to the app's pusher once ``response`` has been sent, so that a push
    never delays or fails the answer that caused it.

    :param Push push: what to push, or ``None`` (``response`` is returned unchanged).
    """
    if push is not None:
        pusher = sandbox_of(request).pusher

        async def hand_over() -> None:  # a coroutine runs at once, not in the thread pool
            pusher.submit(push)

        response.background = BackgroundTask(hand_over)
    return response


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
