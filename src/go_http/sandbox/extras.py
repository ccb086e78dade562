"""Sandbox-only routes (not part of the Vumi Go protocol): health, inbound injection, the
outbound log, the events and the push settings, so that tests can exercise replies and
pushes and see what was "sent"."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from go_http._protocol import SESSION_EVENTS
from go_http.sandbox import push_settings
from go_http.sandbox.conversation import go_metadata, store_message, user_message
from go_http.sandbox.events import OFFLINE_TRANSPORT, list_events
from go_http.sandbox.pusher import Push
from go_http.sandbox.store import CONVERSATION_TYPE, DEFAULT_CHANNEL
from go_http.sandbox.toolkit import (
    Handler,
    ToolkitError,
    guarded,
    json_body,
    method_not_allowed,
    owner,
)
from go_http.sandbox.web import json_response, push_after, query_value, sandbox_of

_OPTIONAL_STRINGS = ("to_addr", "from_addr_type", "to_addr_type", "conversation_key")


async def health(request: Request) -> Response:
    """``GET /health/``: the server is up."""
    return PlainTextResponse("OK")


def _inject(args: tuple[Any, str, dict[str, Any]]) -> tuple[dict[str, Any], Push | None]:
    """Store the inbound message; returns it and its push to ``push_message_url``."""
    store, account_key, payload = args
    with store.write() as conn:
        wanted = payload.get("conversation_key")
        row = conn.execute(
            "SELECT key FROM conversations WHERE account_key = ? AND type = ? AND archived = 0"
            " AND (? IS NULL OR key = ?) ORDER BY rowid LIMIT 1",
            (account_key, CONVERSATION_TYPE, wanted, wanted),
        ).fetchone()
        if row is None:
            raise ToolkitError(404, f"Conversation {wanted!r} not found.")
        conversation_key = row["key"]
        settings = push_settings.read_settings(conn, account_key, conversation_key)
        pool, tag = DEFAULT_CHANNEL
        to_addr = payload.get("to_addr") or tag
        message = user_message(
            from_addr=payload["from_addr"],
            from_addr_type=payload.get("from_addr_type", "msisdn"),
            to_addr=to_addr,
            to_addr_type=payload.get("to_addr_type", "msisdn"),
            content=payload.get("content"),
            session_event=payload.get("session_event"),
            transport_name=OFFLINE_TRANSPORT,
            transport_type="sms",
            routing_metadata={
                "endpoint_name": "default",
                "go_hops": [
                    [
                        [f"TRANSPORT_TAG:{pool}:{tag}", "default"],
                        [f"CONVERSATION:{CONVERSATION_TYPE}:{conversation_key}", "default"],
                    ]
                ],
            },
            helper_metadata={
                "go": go_metadata(account_key, conversation_key),
                "tag": {"tag": [pool, tag]},
                "optout": {"optout": False},
            },
        )
        store_message(conn, message, "inbound")
    url = None if settings is None else settings.message_url
    if url is None:
        return message, None
    return message, Push(url=url, body=message, what=f"inbound message {message['message_id']}")


def validate_inbound(payload: Any) -> dict[str, Any]:
    """Check an injection request body.

    :raises ToolkitError: 400 naming the offending field.
    """
    if not isinstance(payload, dict):
        raise ToolkitError(400, "Body must be a JSON object")
    if not isinstance(payload.get("from_addr"), str):
        raise ToolkitError(400, "from_addr must be a string")
    if payload.get("content") is not None and not isinstance(payload["content"], str):
        raise ToolkitError(400, "content must be a string or null")
    event = payload.get("session_event")
    if event is not None and event not in SESSION_EVENTS:
        raise ToolkitError(400, f"session_event must be null or one of {list(SESSION_EVENTS)}")
    for key in _OPTIONAL_STRINGS:
        if payload.get(key) is not None and not isinstance(payload[key], str):
            raise ToolkitError(400, f"{key} must be a string or null")
    return payload


@guarded(lambda request: "Failed to inject the inbound message.")
async def inbound_endpoint(request: Request) -> Response:
    """``POST /_sandbox/inbound``: store an inbound message as if a user had sent it.

    Body: ``{"from_addr": …, "content": …, "session_event": …, "to_addr": …,
    "conversation_key": …}`` (only ``from_addr`` is required).  Answers the stored
    §1.7 message, whose ``message_id`` can be used as ``in_reply_to``, and then pushes it
    to the conversation's ``push_message_url`` (§1.9) unless ``ignore_messages``.
    """
    if request.method != "POST":
        return method_not_allowed()
    account_key = await owner(request)
    payload = validate_inbound(await json_body(request))
    store = sandbox_of(request).store
    message, push = await run_in_threadpool(_inject, (store, account_key, payload))
    return push_after(request, json_response(message), push)


def _messages(args: tuple[Any, str, str, str | None]) -> list[dict[str, Any]]:
    store, account_key, direction, conversation_key = args
    with store.read() as conn:
        rows = conn.execute(
            "SELECT body FROM messages WHERE account_key = ? AND direction = ?"
            " AND (? IS NULL OR conversation_key = ?) ORDER BY seq",
            (account_key, direction, conversation_key, conversation_key),
        ).fetchall()
    return [json.loads(row["body"]) for row in rows]


def _message_list(direction: str) -> Handler:
    @guarded(lambda request: "Failed to retrieve messages.")
    async def endpoint(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed()
        account_key = await owner(request)
        conversation_key = query_value(request, "conversation_key") or None
        store = sandbox_of(request).store
        found = await run_in_threadpool(
            _messages, (store, account_key, direction, conversation_key)
        )
        return json_response(found)

    return endpoint


#: ``GET /_sandbox/outbound``: the account's sent messages, oldest first.
outbound_endpoint = _message_list("outbound")
#: ``GET /_sandbox/inbound``: the account's injected inbound messages, oldest first.
inbound_list_endpoint = _message_list("inbound")


@guarded(lambda request: "Failed to retrieve events.")
async def events_endpoint(request: Request) -> Response:
    """``GET /_sandbox/events[?conversation_key=…]``: the account's events (the ``ack`` of
    every send and reply), oldest first, each with ``push: {status, error}`` added."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    account_key = await owner(request)
    conversation_key = query_value(request, "conversation_key") or None
    store = sandbox_of(request).store
    found = await run_in_threadpool(list_events, store, account_key, conversation_key)
    return json_response(found)


async def inbound_route(request: Request) -> Response:
    """``/_sandbox/inbound``: GET lists, POST injects."""
    if request.method in ("GET", "HEAD"):
        return await inbound_list_endpoint(request)
    return await inbound_endpoint(request)


def _found(settings: push_settings.PushSettings | None, conversation_key: str) -> dict[str, Any]:
    if settings is None:
        raise ToolkitError(404, f"Conversation {conversation_key!r} not found.")
    return settings.as_dict()


def _load_push(args: tuple[Any, str, str]) -> dict[str, Any]:
    store, account_key, conversation_key = args
    return _found(push_settings.load(store, account_key, conversation_key), conversation_key)


def _change_push(args: tuple[Any, str, str, Any]) -> dict[str, Any]:
    store, account_key, conversation_key, payload = args
    try:
        settings = push_settings.change(store, account_key, conversation_key, payload)
    except push_settings.InvalidPushSetting as exc:
        raise ToolkitError(400, str(exc)) from exc
    return _found(settings, conversation_key)


def _push_failure(request: Request) -> str:
    if request.method == "PUT":
        return "Failed to change the push settings."
    return "Failed to retrieve the push settings."


@guarded(_push_failure)
async def push_settings_endpoint(request: Request) -> Response:
    """``/_sandbox/conversations/{conversation_key}/push``: GET reads, PUT changes where the
    conversation's inbound messages and events are pushed (spec §1.11).

    PUT body: any of ``{"push_message_url": …, "push_event_url": …, "ignore_messages": …,
    "ignore_events": …}`` (URLs: ``http(s)`` or ``null``; flags: booleans).  Both answer
    all four settings; another account's conversation is not found (404).
    """
    if request.method not in ("GET", "HEAD", "PUT"):
        return method_not_allowed()
    account_key = await owner(request)
    store = sandbox_of(request).store
    conversation_key = request.path_params["conversation_key"]
    if request.method == "PUT":
        payload = await json_body(request)
        settings = await run_in_threadpool(
            _change_push, (store, account_key, conversation_key, payload)
        )
    else:
        settings = await run_in_threadpool(_load_push, (store, account_key, conversation_key))
    return json_response(settings)
