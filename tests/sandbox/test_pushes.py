"""Events and pushes (spec §1.9–1.11, §7): every send or reply is acknowledged with an
``ack``; inbound messages and events are POSTed to the conversation's push URLs."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import requests

from go_http import HttpApiSender
from go_http.testing import Sandbox, SandboxAccount
from tests.sandbox.conftest import Wire

#: Every key of an ``ack`` (§1.10).
ACK_KEYS = {
    "message_version", "message_type", "timestamp", "event_id", "event_type",
    "user_message_id", "sent_message_id", "transport_name", "transport_metadata",
    "helper_metadata", "routing_metadata",
}  # fmt: skip
VUMI_TIMESTAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"


def sender_for(account: SandboxAccount) -> HttpApiSender:
    return HttpApiSender(
        account.account_key,
        account.conversation_key,
        account.conversation_token,
        api_url=account.send_url,
    )


def without_push(event: dict[str, Any]) -> dict[str, Any]:
    """An event of the sandbox's listing as it was pushed (without the listing's ``push``)."""
    return {key: value for key, value in event.items() if key != "push"}


def go_block(account: SandboxAccount) -> dict[str, str]:
    return {
        "user_account": account.account_key,
        "conversation_type": "http_api_nostream",
        "conversation_key": account.conversation_key,
    }


# -- events -------------------------------------------------------------------------------


def test_a_send_is_acknowledged_with_one_ack(go_sandbox: SandboxAccount) -> None:
    message = sender_for(go_sandbox).send_text("+27821234567", "hi")
    [event] = go_sandbox.events()
    assert set(without_push(event)) == ACK_KEYS
    assert event["message_version"] == "20110921"
    assert event["message_type"] == "event"
    assert event["event_type"] == "ack"
    assert event["user_message_id"] == message["message_id"]
    assert event["sent_message_id"]
    assert len(event["event_id"]) == 32
    assert event["event_id"] != message["message_id"]
    assert re.fullmatch(VUMI_TIMESTAMP, event["timestamp"])
    assert event["timestamp"] >= message["timestamp"]
    assert event["helper_metadata"] == {"go": go_block(go_sandbox)}
    assert event["routing_metadata"] == {"endpoint_name": "default"}
    assert event["transport_name"] == "sandbox_transport"
    assert event["transport_metadata"] == {}
    # No push_event_url is set on a fresh conversation.
    assert event["push"] == {"status": "no_url", "error": None}


def test_a_reply_is_acknowledged_and_events_are_oldest_first(go_sandbox: SandboxAccount) -> None:
    sender = sender_for(go_sandbox)
    first = sender.send_text("+1", "one")
    inbound = go_sandbox.inject_inbound("+2", "hi")
    reply = sender.reply(inbound["message_id"], "two")
    events = go_sandbox.events()
    assert [e["user_message_id"] for e in events] == [first["message_id"], reply["message_id"]]
    assert {e["event_type"] for e in events} == {"ack"}
    assert len({e["event_id"] for e in events}) == 2


def test_refused_sends_get_no_event(wire: Wire) -> None:
    assert wire.api("PUT", "/optouts/msisdn/%2B1").status_code == 200
    assert wire.send({"to_addr": "+1", "content": "hi"}).status_code == 400
    assert wire.send({"content": 5}).status_code == 400
    assert wire.send({"in_reply_to": "unknown"}).status_code == 400
    assert wire.account.events() == []


def test_events_are_per_account_and_filtered_by_conversation(wire: Wire, other: Wire) -> None:
    assert wire.send({"to_addr": "+1"}).status_code == 200
    assert other.account.events() == []
    mine = wire.account.events(conversation_key=wire.account.conversation_key)
    assert len(mine) == 1
    assert wire.account.events(conversation_key="another") == []
    listed = wire.api("GET", "/_sandbox/events")
    assert listed.status_code == 200
    assert listed.json() == mine


def test_events_route_auth_and_method(wire: Wire) -> None:
    url = f"{wire.account.api_url}/_sandbox/events"
    assert requests.get(url, timeout=10).json() == {"status_code": 401, "reason": "Unauthorized"}
    forbidden = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert forbidden.status_code == 403
    assert wire.api("POST", "/_sandbox/events").status_code == 405


def test_message_and_ack_are_written_together(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    with Sandbox(db_path=db) as sandbox:
        with sqlite3.connect(db) as conn:
            conn.execute(
                "CREATE TRIGGER no_events BEFORE INSERT ON events"
                " BEGIN SELECT RAISE(ABORT, 'events refused'); END"
            )
        wire = Wire(sandbox)
        assert wire.send({"to_addr": "+1", "content": "lost"}).status_code == 500
        assert sandbox.outbound_messages() == []
        assert sandbox.events() == []


def test_a_database_from_before_events_gains_the_table(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    with Sandbox(db_path=db) as sandbox:
        sender_for(sandbox).send_text("+1", "before")
    with sqlite3.connect(db) as conn:  # what an older version left behind
        conn.execute("DROP TABLE events")
    with Sandbox(db_path=db) as sandbox:
        message = sender_for(sandbox).send_text("+1", "after")
        assert [m["content"] for m in sandbox.outbound_messages()] == ["before", "after"]
        assert [e["user_message_id"] for e in sandbox.events()] == [message["message_id"]]
