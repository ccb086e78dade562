"""Events of sent messages (spec §1.10, §7): the sandbox's offline transport acknowledges
every message it is given, so each send or reply gets one ``ack``, stored with the message
and pushed to the conversation's ``push_event_url``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from go_http._protocol import new_key, vumi_timestamp
from go_http.sandbox.push_settings import PushSettings
from go_http.sandbox.pusher import NOT_PUSHED, Outcome, Push
from go_http.sandbox.store import Store

#: The transport name on injected inbound messages and on events.
OFFLINE_TRANSPORT = "sandbox_transport"

# What became of an event's push (the ``push.status`` of the events listing).
PENDING = "pending"  # waiting to be POSTed
DELIVERED = "delivered"  # the receiver answered 2xx
FAILED = "failed"  # anything else; ``push.error`` says what
IGNORED = "ignored"  # the conversation has ignore_events set
NO_URL = "no_url"  # the conversation has no push_event_url

#: ``push.error`` of an event a server left pending when it stopped.
ABANDONED = f"{NOT_PUSHED}the sandbox stopped before pushing it"


def ack_event(message: dict[str, Any]) -> dict[str, Any]:
    """The ``ack`` of an outbound message, in the §1.10 shape.

    :param dict message: the stored §1.7 message (send or reply).
    """
    return {
        "message_version": "20110921",
        "message_type": "event",
        "timestamp": vumi_timestamp(),
        "event_id": new_key(),
        "event_type": "ack",
        "user_message_id": message["message_id"],
        # A real transport puts its own (SMSC) id here; the sandbox has none but the
        # message's, and the field must not be null for an ack.
        "sent_message_id": message["message_id"],
        "transport_name": OFFLINE_TRANSPORT,
        "transport_metadata": {},
        "helper_metadata": {"go": dict(message["helper_metadata"]["go"])},
        "routing_metadata": {
            "endpoint_name": message["routing_metadata"].get("endpoint_name", "default")
        },
    }


def store_event(
    conn: sqlite3.Connection, event: dict[str, Any], settings: PushSettings
) -> Push | None:
    """Record an event inside the caller's transaction, with the push it is due.

    :param conn: the connection of the write transaction that stores the message.
    :param dict event: the §1.10 event.
    :param PushSettings settings: the conversation's push settings.
    :returns: the push to make once the response is sent, or ``None``.
    """
    url = settings.event_url
    status = IGNORED if settings.ignore_events else NO_URL if url is None else PENDING
    go = event["helper_metadata"]["go"]
    conn.execute(
        "INSERT INTO events (event_id, account_key, conversation_key, user_message_id, body,"
        " push_status) VALUES (?, ?, ?, ?, ?, ?)",
        (
            event["event_id"],
            go["user_account"],
            go["conversation_key"],
            event["user_message_id"],
            json.dumps(event),
            status,
        ),
    )
    if url is None:
        return None
    what = f"{event['event_type']} {event['event_id']}"
    return Push(url=url, body=event, what=what, event_id=event["event_id"])


def record_outcome(store: Store, pushes: Sequence[Push], outcome: Outcome) -> None:
    """Record how event pushes ended, in one transaction (a message's push is only logged).

    :param Store store: the database.
    :param pushes: pushes that all ended the same way.
    :param Outcome outcome: how (its error never holds credentials).
    """
    status = DELIVERED if outcome.delivered else FAILED
    rows = [(status, outcome.error, p.event_id) for p in pushes if p.event_id is not None]
    if not rows:
        return
    with store.write() as conn:
        conn.executemany(
            "UPDATE events SET push_status = ?, push_error = ? WHERE event_id = ?", rows
        )


def fail_abandoned(store: Store) -> int:
    """Record the pushes an earlier server left ``pending`` as failed: it stopped (or was
    killed) before making them, and no one else will.

    Call it as a server starts, before it pushes anything.

    :param Store store: the database.
    :returns: how many events were marked.
    """
    with store.write() as conn:
        cursor = conn.execute(
            "UPDATE events SET push_status = ?, push_error = ? WHERE push_status = ?",
            (FAILED, ABANDONED, PENDING),
        )
    return cursor.rowcount


def list_events(
    store: Store, account_key: str, conversation_key: str | None
) -> list[dict[str, Any]]:
    """The account's events, oldest first, each with ``push: {status, error}`` added.

    :param Store store: the database.
    :param str account_key: the owner.
    :param str conversation_key: only this conversation's (``None``: all).
    """
    with store.read() as conn:
        rows = conn.execute(
            "SELECT body, push_status, push_error FROM events WHERE account_key = ?"
            " AND (? IS NULL OR conversation_key = ?) ORDER BY seq",
            (account_key, conversation_key, conversation_key),
        ).fetchall()
    return [
        {
            **json.loads(row["body"]),
            "push": {"status": row["push_status"], "error": row["push_error"]},
        }
        for row in rows
    ]
