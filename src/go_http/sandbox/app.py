"""The Starlette application: every route of the spec under ``/api/v1/go``."""

from __future__ import annotations

import functools

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from go_http.sandbox import account, contacts, conversation, events, extras, metrics, optouts
from go_http.sandbox.config import SandboxConfig
from go_http.sandbox.pusher import Pusher
from go_http.sandbox.store import Store
from go_http.sandbox.toolkit import LOG, Handler
from go_http.sandbox.web import Sandbox, html_page

#: Path prefix of every API, so the client's ``http://HOST:PORT/api/v1/go`` base works.
API_PREFIX = "/api/v1/go"
SEND_PREFIX = f"{API_PREFIX}/http_api_nostream"

# Handlers dispatch on the method themselves: each API words its 405 differently.
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def _route(path: str, endpoint: Handler) -> Route:
    return Route(path, endpoint, methods=ALL_METHODS)


async def _not_found(request: Request, exc: Exception) -> Response:
    # Unmatched paths get an HTML page, as cyclone and Twisted gave.
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return html_page(status, "Not Found", "No resource matches this path.")


def _server_error_page() -> Response:
    # Never a traceback on the wire; the server log has it.
    return html_page(500, "Internal Server Error", "The sandbox failed to handle this request.")


async def _server_error(request: Request, exc: Exception) -> Response:
    return _server_error_page()


class ContainErrors:
    """Answer an unexpected error with the 500 page and keep the connection open.

    Starlette's own handler answers too but then re-raises, so uvicorn logs "Exception in
    ASGI application" and drops the keep-alive connection.  A response already under way
    (a stream) cannot be replaced: that error still propagates.

    :param app: the ASGI app to guard.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if started:
                raise
            LOG.exception("unexpected error in %s %s", scope["method"], scope["path"])
            await _server_error_page()(scope, receive, send)


def create_app(store: Store, config: SandboxConfig | None = None) -> Starlette:
    """Build the ASGI app serving one database.

    :param Store store: the database.
    :param SandboxConfig config: limits (defaults if omitted).
    """
    config = config or SandboxConfig()
    routes = [
        _route("/health/", extras.health),
        _route("/health", extras.health),
        _route(
            f"{SEND_PREFIX}/{{conversation_key}}/messages.json", conversation.messages_endpoint
        ),
        _route(f"{SEND_PREFIX}/{{conversation_key}}/metrics.json", conversation.metrics_endpoint),
        _route(f"{SEND_PREFIX}/{{conversation_key}}", conversation.other_endpoint),
        _route(f"{SEND_PREFIX}/{{conversation_key}}/{{rest:path}}", conversation.other_endpoint),
        _route(f"{API_PREFIX}/optouts/count", optouts.count_endpoint),
        _route(f"{API_PREFIX}/optouts/{{address_type}}/{{address}}", optouts.optout_endpoint),
        _route(f"{API_PREFIX}/metrics/", metrics.metrics_endpoint),
        _route(f"{API_PREFIX}/contacts/", contacts.contacts_collection),
        _route(f"{API_PREFIX}/contacts/{{key}}", contacts.contact_element),
        _route(f"{API_PREFIX}/groups/", contacts.groups_collection),
        _route(f"{API_PREFIX}/groups/{{key}}", contacts.group_element),
        _route(f"{API_PREFIX}/groups/{{key}}/contacts", contacts.group_contacts),
        _route(f"{API_PREFIX}/api", account.rpc_endpoint),
        _route(f"{API_PREFIX}/api/{{rest:path}}", account.rpc_endpoint),
        _route(f"{API_PREFIX}/_sandbox/inbound", extras.inbound_route),
        _route(f"{API_PREFIX}/_sandbox/outbound", extras.outbound_endpoint),
        _route(f"{API_PREFIX}/_sandbox/events", extras.events_endpoint),
        _route(
            f"{API_PREFIX}/_sandbox/conversations/{{conversation_key}}/push",
            extras.push_settings_endpoint,
        ),
        _route(f"{API_PREFIX}/health/", extras.health),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: _not_found, 405: _not_found, 500: _server_error},
        middleware=[Middleware(ContainErrors)],
    )
    # Exact routes: '/contacts' and '/contacts/' are different resources (spec §3).
    app.router.redirect_slashes = False
    abandoned = events.fail_abandoned(store)
    if abandoned:
        LOG.warning("%d event pushes left pending by an earlier run recorded as failed", abandoned)
    pusher = Pusher(
        timeout=config.push_timeout,
        workers=config.push_workers,
        on_outcome=functools.partial(events.record_outcome, store),
        max_waiting=config.push_max_waiting,
    )
    app.state.sandbox = Sandbox(store=store, config=config, pusher=pusher)
    app.state.gate = conversation.ConcurrencyGate(config.concurrency_limit)
    return app


def finish(app: Starlette) -> None:
    """Drop the waiting pushes and wait (a bounded time) for the ones under way,
    recording what became of each.

    Call it once the server has stopped, before the store is closed.
    """
    state: Sandbox = app.state.sandbox
    state.pusher.close()
