"""Conversation HTTP API (spec §1): ``PUT messages.json`` and ``PUT metrics.json``.

Every accepted send or reply is stored with its ``ack`` event (§1.10) in one transaction;
the ack is pushed to the conversation's ``push_event_url`` after the response is sent.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from go_http._protocol import AGGREGATORS, SESSION_EVENTS, new_key, vumi_timestamp
from go_http.sandbox import metrics
from go_http.sandbox.events import ack_event, store_event
from go_http.sandbox.push_settings import PushSettings, read_settings
from go_http.sandbox.pusher import Push
from go_http.sandbox.pyrepr import py2_repr
from go_http.sandbox.store import CONVERSATION_TYPE
from go_http.sandbox.web import (
    BodyTooLarge,
    InvalidJson,
    decode_json,
    html_page,
    json_response,
    push_after,
    read_body,
    sandbox_of,
)


class ConversationError(Exception):
    """A request the conversation API answers with ``{"success": false, "reason": …}``."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class ConversationAuth:
    """An authorised caller: its account and the conversation's API config block."""

    account_key: str
    conversation_key: str
    config: dict[str, Any]


class ConcurrencyGate:
    """Per-account request limits of the conversation API (spec §1.3).

    :param int limit: simultaneous requests per account; negative means unlimited.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._active: dict[str, int] = defaultdict(int)
        self._queues: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @asynccontextmanager
    async def slot(self, account_key: str) -> AsyncIterator[bool]:
        """Hold one of the account's slots; yields ``False`` when none is free."""
        if 0 <= self.limit <= self._active[account_key]:
            yield False
            return
        self._active[account_key] += 1
        try:
            yield True
        finally:
            self._active[account_key] -= 1

    def queue(self, account_key: str) -> asyncio.Lock:
        """The account's one-at-a-time queue for ``messages.json``."""
        return self._queues[account_key]


def user_message(**fields: Any) -> dict[str, Any]:
    """A complete §1.7 user-message object; ``fields`` override the defaults."""
    message: dict[str, Any] = {
        "message_version": "20110921",
        "message_type": "user_message",
        "timestamp": vumi_timestamp(),
        "routing_metadata": {"endpoint_name": "default"},
        "helper_metadata": {},
        "message_id": new_key(),
        "to_addr": None,
        "to_addr_type": None,
        "from_addr": None,
        "from_addr_type": None,
        "in_reply_to": None,
        "session_event": None,
        "content": None,
        "transport_name": None,
        "transport_type": None,
        "transport_metadata": {},
        "group": None,
        "provider": None,
    }
    message.update(fields)
    return message


def go_metadata(account_key: str, conversation_key: str) -> dict[str, str]:
    """The ``helper_metadata.go`` block of messages of a conversation."""
    return {
        "user_account": account_key,
        "conversation_type": CONVERSATION_TYPE,
        "conversation_key": conversation_key,
    }


def store_message(conn: sqlite3.Connection, message: dict[str, Any], direction: str) -> None:
    """Record a message (``direction`` is ``inbound`` or ``outbound``)."""
    go = message["helper_metadata"]["go"]
    conn.execute(
        "INSERT INTO messages (message_id, account_key, conversation_key, direction, body)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            message["message_id"],
            go["user_account"],
            go["conversation_key"],
            direction,
            json.dumps(message),
        ),
    )


def _authenticate(store_request: tuple[Any, str, str, str]) -> ConversationAuth | None:
    store, account_key, conversation_key, token = store_request
    with store.read() as conn:
        row = conn.execute(
            "SELECT config FROM conversations WHERE key = ? AND account_key = ? AND type = ?",
            (conversation_key, account_key, CONVERSATION_TYPE),
        ).fetchone()
    if row is None:
        return None
    config: dict[str, Any] = json.loads(row["config"]).get(CONVERSATION_TYPE, {})
    if token not in config.get("api_tokens", []):
        return None
    return ConversationAuth(account_key, conversation_key, config)


async def authenticate(request: Request, conversation_key: str) -> ConversationAuth | None:
    """Check HTTP Basic ``account_key:conversation_token`` for the conversation (§1.2)."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    account_key, sep, token = decoded.partition(":")
    if not sep:
        return None
    store = sandbox_of(request).store
    return await run_in_threadpool(_authenticate, (store, account_key, conversation_key, token))


def unauthorized() -> Response:
    """The conversation API's 401 (plain text, lower-case ``basic`` realm)."""
    return PlainTextResponse(
        "Unauthorized",
        status_code=401,
        headers={"WWW-Authenticate": 'basic realm="Conversation Realm"'},
    )


def failure(reason: str, status: int = 400) -> Response:
    """The ``{"success": false, "reason": …}`` envelope (§1.4)."""
    return json_response({"success": False, "reason": reason}, status)


# -- messages.json ------------------------------------------------------------------------


def _field_errors(payload: dict[str, Any], checks: dict[str, bool], limit: Any) -> list[str]:
    errors = [
        f"Invalid or missing value for payload key '{key}'"
        for key, ok in sorted(checks.items())
        if not ok
    ]
    content = payload.get("content")
    if isinstance(limit, int) and isinstance(content, str) and len(content) > limit:
        errors.append(f"Payload content too long: {len(content)} > {limit}")
    return errors


def _raise_errors(errors: list[str]) -> None:
    if len(errors) == 1:
        raise ConversationError(errors[0])
    if errors:
        raise ConversationError("Errors:\n" + "\n".join(f"* {e}" for e in errors))


def _content_ok(payload: dict[str, Any]) -> bool:
    return payload.get("content") is None or isinstance(payload.get("content"), str)


def send_message(
    conn: sqlite3.Connection, auth: ConversationAuth, payload: dict[str, Any]
) -> dict[str, Any]:
    """Send mode (§1.5): opt-out check, validation, store the outbound message."""
    account = conn.execute(
        "SELECT disable_optouts FROM accounts WHERE key = ?", (auth.account_key,)
    ).fetchone()
    to_addr = payload.get("to_addr")
    # An absent type defaults to msisdn; an explicit null, or any other non-string,
    # matches nothing (opt-outs are keyed by strings).
    to_addr_type = payload.get("to_addr_type", "msisdn")
    checkable = isinstance(to_addr, str) and isinstance(to_addr_type, str)
    if not account["disable_optouts"] and checkable:
        opted_out = conn.execute(
            "SELECT 1 FROM optouts WHERE account_key = ? AND address_type = ? AND address = ?",
            (auth.account_key, to_addr_type, to_addr),
        ).fetchone()
        if opted_out:
            raise ConversationError(f"Recipient with {to_addr_type} {to_addr} has opted out")
    checks = {"to_addr": isinstance(to_addr, str), "content": _content_ok(payload)}
    _raise_errors(_field_errors(payload, checks, auth.config.get("content_length_limit")))
    message = user_message(
        to_addr=to_addr,
        content=payload.get("content"),
        helper_metadata={"go": go_metadata(auth.account_key, auth.conversation_key)},
    )
    store_message(conn, message, "outbound")
    return message


def reply_message(
    conn: sqlite3.Connection, auth: ConversationAuth, payload: dict[str, Any]
) -> dict[str, Any]:
    """Reply mode (§1.6): find the inbound original, validate, store the reply."""
    original_id = payload["in_reply_to"]
    row = conn.execute(
        "SELECT body FROM messages WHERE message_id = ? AND account_key = ?"
        " AND conversation_key = ? AND direction = 'inbound'",
        (
            original_id if isinstance(original_id, str) else None,
            auth.account_key,
            auth.conversation_key,
        ),
    ).fetchone()
    if row is None:
        raise ConversationError("Invalid in_reply_to value")
    original = json.loads(row["body"])
    session_event = payload.get("session_event")
    checks = {
        "content": _content_ok(payload),
        "session_event": session_event is None or session_event in SESSION_EVENTS,
    }
    _raise_errors(_field_errors(payload, checks, auth.config.get("content_length_limit")))
    helper: dict[str, Any] = {"go": go_metadata(auth.account_key, auth.conversation_key)}
    requested = payload.get("helper_metadata")
    if isinstance(requested, dict) and "load_balancer" in requested:
        helper["load_balancer"] = requested["load_balancer"]
    endpoint = original.get("routing_metadata", {}).get("endpoint_name", "default")
    message = user_message(
        to_addr=original.get("from_addr"),
        from_addr=original.get("to_addr"),
        in_reply_to=original["message_id"],
        # new/resume are accepted but not echoed: only close survives (spec §1.6).
        session_event="close" if session_event == "close" else None,
        content=payload.get("content"),
        transport_name=original.get("transport_name"),
        transport_type=original.get("transport_type"),
        transport_metadata=original.get("transport_metadata", {}),
        group=original.get("group"),
        provider=original.get("provider"),
        routing_metadata={"endpoint_name": endpoint},
        helper_metadata=helper,
    )
    store_message(conn, message, "outbound")
    return message


def _publish(
    request_data: tuple[Any, ConversationAuth, dict[str, Any]],
) -> tuple[dict[str, Any], Push | None]:
    """Store the send or reply and its ``ack``; returns the message and the ack's push."""
    store, auth, payload = request_data
    # The message and its ack are one transaction: both are stored, or neither.
    with store.write() as conn:
        if payload.get("in_reply_to"):
            message = reply_message(conn, auth, payload)
        else:
            message = send_message(conn, auth, payload)
        settings = read_settings(conn, auth.account_key, auth.conversation_key)
        push = store_event(conn, ack_event(message), settings or PushSettings())
    return message, push


# -- metrics.json -------------------------------------------------------------------------

_METRICS_SHAPE = "Metrics must be a JSON list of [name, value, aggregator] lists"


def parse_conversation_metrics(payload: Any, store_name: str) -> list[tuple[str, float]]:
    """Validate a §1.8 body; return ``(full metric name, value)`` pairs.

    :param payload: the decoded body.
    :param str store_name: the conversation's ``metric_store``.
    :raises ConversationError: anything is invalid (nothing is stored then).
    """
    if not isinstance(payload, list):
        raise ConversationError(_METRICS_SHAPE)
    samples: list[tuple[str, float]] = []
    for item in payload:
        if not isinstance(item, list) or len(item) != 3:
            raise ConversationError(_METRICS_SHAPE)
        name, value, aggregator = item
        if not isinstance(aggregator, str):
            raise ConversationError(f"{py2_repr(aggregator)} is not a valid aggregate.")
        if aggregator.lower() not in AGGREGATORS:
            raise ConversationError(f"'{aggregator}' is not a valid aggregate.")
        if not isinstance(name, str) or not metrics.valid_metric_stem(name):
            raise ConversationError(f"{py2_repr(name)} is not a valid metric name.")
        number = metrics.metric_value(value)
        if number is None:
            raise ConversationError(
                f"{py2_repr(value)} is not a valid metric value,should be a floating point number"
            )
        samples.append((f"stores.{store_name}.{name}.{aggregator.lower()}", number))
    return samples


def _publish_metrics(request_data: tuple[Any, ConversationAuth, Any]) -> None:
    store, auth, payload = request_data
    store_name = auth.config.get("metric_store") or "default"
    samples = parse_conversation_metrics(payload, str(store_name))
    with store.write() as conn:
        metrics.store_samples(conn, auth.account_key, samples)


# -- endpoints ----------------------------------------------------------------------------


async def _hold(request: Request) -> None:
    """Apply the configured artificial latency (inside the slot and the queue)."""
    delay = sandbox_of(request).config.request_delay
    if delay > 0:
        await asyncio.sleep(delay)


async def _guarded(request: Request, kind: str) -> Response:
    conversation_key = request.path_params["conversation_key"]
    auth = await authenticate(request, conversation_key)
    if auth is None:
        return unauthorized()
    if request.method != "PUT":
        return html_page(
            405,
            "Method Not Allowed",
            "Your browser approached me with a method that is not allowed here; use PUT.",
        )
    gate: ConcurrencyGate = request.app.state.gate
    async with gate.slot(auth.account_key) as admitted:
        if not admitted:
            return html_page(403, "Forbidden", "Too many concurrent connections")
        try:
            body = await read_body(request)
        except BodyTooLarge as exc:
            return failure(str(exc), 413)
        try:
            payload = decode_json(body)
        except InvalidJson:
            return failure("Invalid Message")
        store = sandbox_of(request).store
        try:
            if kind == "metrics":
                await _hold(request)
                await run_in_threadpool(_publish_metrics, (store, auth, payload))
                return json_response({"success": True, "reason": "Metrics published"})
            if not isinstance(payload, dict):
                return failure("Invalid Message")
            async with gate.queue(auth.account_key):
                await _hold(request)
                message, push = await run_in_threadpool(_publish, (store, auth, payload))
        except ConversationError as exc:
            return failure(exc.reason, exc.status)
    return push_after(request, json_response(message), push)


async def messages_endpoint(request: Request) -> Response:
    """``/http_api_nostream/{conversation_key}/messages.json``."""
    return await _guarded(request, "messages")


async def metrics_endpoint(request: Request) -> Response:
    """``/http_api_nostream/{conversation_key}/metrics.json``."""
    return await _guarded(request, "metrics")


async def other_endpoint(request: Request) -> Response:
    """Any other path below a conversation: auth first, then 404 (§1.1)."""
    if await authenticate(request, request.path_params["conversation_key"]) is None:
        return unauthorized()
    return html_page(404, "No Such Resource", "No such child resource.")
