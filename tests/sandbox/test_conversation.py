"""Conversation API (spec §1) over the wire."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
import threading
from pathlib import Path

import requests

from go_http.testing import Sandbox, SandboxAccount
from tests.sandbox.conftest import Wire

MESSAGE_KEYS = {
    "message_version", "message_type", "timestamp", "routing_metadata", "helper_metadata",
    "message_id", "to_addr", "to_addr_type", "from_addr", "from_addr_type", "in_reply_to",
    "session_event", "content", "transport_name", "transport_type", "transport_metadata",
    "group", "provider",
}  # fmt: skip


def test_send_returns_full_message_and_is_recorded(wire: Wire) -> None:
    response = wire.send(
        {"to_addr": "+27821234567", "content": "code 1234", "message_id": "ignored",
         "session_event": "new", "to_addr_type": "msisdn", "helper_metadata": {"voice": {}}}
    )  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    message = response.json()
    assert set(message) == MESSAGE_KEYS
    assert message["message_id"] != "ignored"
    assert len(message["message_id"]) == 32
    assert message["to_addr"] == "+27821234567"
    assert message["to_addr_type"] is None
    assert message["session_event"] is None
    assert message["from_addr"] is None
    assert message["helper_metadata"] == {
        "go": {
            "user_account": wire.account.account_key,
            "conversation_type": "http_api_nostream",
            "conversation_key": wire.account.conversation_key,
        }
    }
    assert message["routing_metadata"] == {"endpoint_name": "default"}
    assert wire.account.outbound_messages() == [message]


def test_outbound_log_is_oldest_first(wire: Wire) -> None:
    for text in ("one", "two", "three"):
        assert wire.send({"to_addr": "+1", "content": text}).status_code == 200
    assert [m["content"] for m in wire.account.outbound_messages()] == ["one", "two", "three"]


def test_null_content_is_allowed(wire: Wire) -> None:
    response = wire.send({"to_addr": "+1"})
    assert response.status_code == 200
    assert response.json()["content"] is None


def test_validation_errors(wire: Wire) -> None:
    bad_to = wire.send({"to_addr": 5, "content": "x"})
    assert bad_to.status_code == 400
    assert bad_to.json() == {
        "success": False,
        "reason": "Invalid or missing value for payload key 'to_addr'",
    }
    both = wire.send({"content": 7})
    assert both.json()["reason"] == (
        "Errors:\n* Invalid or missing value for payload key 'content'\n"
        "* Invalid or missing value for payload key 'to_addr'"
    )
    assert wire.account.outbound_messages() == []


def test_invalid_json_and_non_object(wire: Wire) -> None:
    url = f"{wire.account.send_url}/{wire.account.conversation_key}/messages.json"
    auth = (wire.account.account_key, wire.account.conversation_token)
    for body in (b"{nope", b"[1, 2]", b"\xff\xfe"):
        response = requests.put(url, data=body, auth=auth, timeout=10)
        assert response.status_code == 400
        assert response.json() == {"success": False, "reason": "Invalid Message"}


def test_oversize_body_is_413(wire: Wire) -> None:
    response = wire.send({"to_addr": "+1", "content": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413
    assert response.json()["success"] is False
    assert "too large" in response.json()["reason"]


def test_auth_failures(wire: Wire, other: Wire) -> None:
    acct = wire.account
    cases = [
        None,
        (acct.account_key, "wrong-token"),
        ("no-such-account", acct.conversation_token),
        (other.account.account_key, acct.conversation_token),
        (other.account.account_key, other.account.conversation_token),  # foreign conversation
    ]
    for auth in cases:
        response = wire.send({"to_addr": "+1"}, auth=auth)
        assert response.status_code == 401
        assert response.text == "Unauthorized"
        assert response.headers["www-authenticate"] == 'basic realm="Conversation Realm"'
    garbage = requests.put(
        f"{acct.send_url}/{acct.conversation_key}/messages.json",
        headers={"Authorization": "Basic !!!"},
        timeout=10,
    )
    assert garbage.status_code == 401


def test_wrong_method_and_unknown_children(wire: Wire) -> None:
    acct = wire.account
    auth = (acct.account_key, acct.conversation_token)
    base = f"{acct.send_url}/{acct.conversation_key}"
    for method in ("GET", "POST", "DELETE"):
        response = requests.request(method, f"{base}/messages.json", auth=auth, timeout=10)
        assert response.status_code == 405
        assert response.headers["content-type"].startswith("text/html")
    for path in ("", "/", "/other", "/events.json"):
        response = requests.put(f"{base}{path}", auth=auth, timeout=10)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
    assert requests.put(f"{base}/other", timeout=10).status_code == 401
    assert requests.get(acct.send_url, timeout=10).status_code == 404


def test_reply_to_inbound(wire: Wire) -> None:
    inbound = wire.account.inject_inbound("+27761234567", "hi", session_event="new")
    assert inbound["from_addr"] == "+27761234567"
    assert inbound["to_addr"] == "10080"
    response = wire.send(
        {"in_reply_to": inbound["message_id"], "content": "hello back", "session_event": "close",
         "to_addr": "ignored", "helper_metadata": {"load_balancer": {"x": 1}, "other": 2}}
    )  # fmt: skip
    assert response.status_code == 200
    reply = response.json()
    assert reply["to_addr"] == "+27761234567"
    assert reply["from_addr"] == "10080"
    assert reply["in_reply_to"] == inbound["message_id"]
    assert reply["session_event"] == "close"
    assert reply["transport_name"] == inbound["transport_name"]
    assert reply["helper_metadata"]["load_balancer"] == {"x": 1}
    assert "other" not in reply["helper_metadata"]
    assert reply["to_addr_type"] is None
    resume = wire.send({"in_reply_to": inbound["message_id"], "session_event": "resume"})
    assert resume.json()["session_event"] is None


def test_reply_errors(wire: Wire, other: Wire) -> None:
    unknown = wire.send({"in_reply_to": "nope", "content": "x"})
    assert unknown.status_code == 400
    assert unknown.json() == {"success": False, "reason": "Invalid in_reply_to value"}
    foreign = other.account.inject_inbound("+2776", "hi")
    assert wire.send({"in_reply_to": foreign["message_id"]}).json()["reason"] == (
        "Invalid in_reply_to value"
    )
    inbound = wire.account.inject_inbound("+2776", "hi")
    bad_event = wire.send({"in_reply_to": inbound["message_id"], "session_event": "bogus"})
    assert bad_event.json()["reason"] == (
        "Invalid or missing value for payload key 'session_event'"
    )
    # An empty in_reply_to means send mode, which needs to_addr.
    assert wire.send({"in_reply_to": "", "content": "x"}).json()["reason"] == (
        "Invalid or missing value for payload key 'to_addr'"
    )


def test_opt_out_blocks_send_and_lifting_it_allows(wire: Wire) -> None:
    assert wire.api("PUT", "/optouts/msisdn/%2B27821234567").status_code == 200
    blocked = wire.send({"to_addr": "+27821234567", "content": "hi"})
    assert blocked.status_code == 400
    assert blocked.json() == {
        "success": False,
        "reason": "Recipient with msisdn +27821234567 has opted out",
    }
    # Exact match only: another type, or an explicit null type, is not blocked.
    assert wire.send({"to_addr": "+27821234567", "to_addr_type": "whatsapp"}).status_code == 200
    assert wire.send({"to_addr": "+27821234567", "to_addr_type": None}).status_code == 200
    # Replies reach opted-out users by design.
    inbound = wire.account.inject_inbound("+27821234567", "STOP")
    assert wire.send({"in_reply_to": inbound["message_id"]}).status_code == 200
    assert wire.api("DELETE", "/optouts/msisdn/%2B27821234567").status_code == 200
    assert wire.send({"to_addr": "+27821234567", "content": "hi"}).status_code == 200
    contents = [m["content"] for m in wire.account.outbound_messages()]
    assert contents == [None, None, None, "hi"]


def test_opt_out_check_comes_before_field_validation(wire: Wire) -> None:
    wire.api("PUT", "/optouts/msisdn/%2B1")
    response = wire.send({"to_addr": "+1", "content": 5})
    assert response.json()["reason"] == "Recipient with msisdn +1 has opted out"


def test_conversation_metrics(wire: Wire) -> None:
    ok = wire.send([["pings", 1200, "MAX"], ["signups", "3", "sum"]], what="metrics.json")
    assert ok.status_code == 200
    assert ok.json() == {"success": True, "reason": "Metrics published"}
    read = wire.api(
        "GET",
        "/metrics/",
        params={"m": ["stores.default.pings.max", "stores.default.signups.sum"],
                "from": "-1h", "interval": "1d"},
    )  # fmt: skip
    values = {name: [p["y"] for p in points] for name, points in read.json().items()}
    assert values == {"stores.default.pings.max": [1200.0], "stores.default.signups.sum": [3.0]}


def test_conversation_metrics_errors_store_nothing(wire: Wire) -> None:
    cases = [
        ([["a", 1, "sum"], ["b", 1, None]], "None is not a valid aggregate."),
        ([["a", 1, 5]], "5 is not a valid aggregate."),
        ([["a", 1, "median"]], "'median' is not a valid aggregate."),
        ([["a", "lots", "sum"]], "u'lots' is not a valid metric value,"
                                 "should be a floating point number"),
    ]  # fmt: skip
    for body, reason in cases:
        response = wire.send(body, what="metrics.json")
        assert response.status_code == 400
        assert response.json() == {"success": False, "reason": reason}
    for body in ({"a": 1}, [["a", 1]], "x"):
        response = wire.send(body, what="metrics.json")
        assert response.status_code == 400
        assert response.json()["success"] is False
    read = wire.api("GET", "/metrics/", params={"m": "stores.default.a.sum", "from": "-1h"})
    assert read.json() == {}


def test_concurrency_limit_gives_403() -> None:
    # The first request is held for 2 s; the second is sent 0.5 s in, well inside that
    # window even on a loaded machine.
    with Sandbox(concurrency_limit=1, request_delay=2.0) as sb:
        wire = Wire(sb)
        results: list[requests.Response] = []
        first = threading.Thread(target=lambda: results.append(wire.send({"to_addr": "+1"})))
        first.start()
        # Metrics requests count towards the same limit; this one lands while the
        # first request is held.
        threading.Event().wait(0.5)
        second = wire.send([["x", 1, "sum"]], what="metrics.json")
        first.join()
        assert second.status_code == 403
        assert "Too many concurrent connections" in second.text
        assert second.headers["content-type"].startswith("text/html")
        assert results[0].status_code == 200
        assert wire.send({"to_addr": "+1"}).status_code == 200


def _sent_at(account: SandboxAccount) -> list[dt.datetime]:
    return sorted(
        dt.datetime.strptime(m["timestamp"], "%Y-%m-%d %H:%M:%S.%f")
        for m in account.outbound_messages()
    )


def test_messages_of_one_account_are_processed_one_at_a_time() -> None:
    delay = 0.2
    with Sandbox(concurrency_limit=-1, request_delay=delay) as sb:
        wire, other = Wire(sb), Wire(sb.add_account())
        threads = [
            threading.Thread(target=w.send, args=({"to_addr": "+1", "content": str(i)},))
            for i in range(4)
            for w in (wire, other)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        mine, theirs = _sent_at(sb), _sent_at(other.account)
    held = dt.timedelta(seconds=delay)
    # One account's messages are built one after the other, each after its own hold...
    for stamps in (mine, theirs):
        assert len(stamps) == 4
        assert all(later - earlier >= held for earlier, later in itertools.pairwise(stamps))
    # ...while the two accounts do not wait for each other.
    closest = min(abs(a - b) for a in mine for b in theirs)
    assert closest < held * 0.75


def test_content_length_limit(tmp_path: Path) -> None:
    db = tmp_path / "limit.sqlite3"
    with Sandbox(db_path=db) as sb:
        config = {"http_api_nostream": {"api_tokens": [sb.conversation_token],
                                        "content_length_limit": 10}}  # fmt: skip
        with sqlite3.connect(db) as conn:
            conn.execute(
                "UPDATE conversations SET config = ? WHERE key = ?",
                (json.dumps(config), sb.conversation_key),
            )
        wire = Wire(sb)
        too_long = wire.send({"to_addr": "+1", "content": "x" * 42})
        assert too_long.json() == {"success": False, "reason": "Payload content too long: 42 > 10"}
        both = wire.send({"content": "é" * 11})
        assert both.json()["reason"] == (
            "Errors:\n* Invalid or missing value for payload key 'to_addr'\n"
            "* Payload content too long: 11 > 10"
        )
        assert wire.send({"to_addr": "+1", "content": "é" * 10}).status_code == 200
