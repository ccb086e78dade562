"""Bad input gets the API's own 4xx error, never a 500 or a dropped connection."""

from __future__ import annotations

import codecs
import json
from typing import Any

import pytest
import requests

from go_http.sandbox.web import MAX_JSON_DEPTH
from tests.sandbox.conftest import Wire

BAD_TIMESTAMP = "Timestamp field expects a datetime or an iso8601 formatted string."


def _toolkit_error(response: requests.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"status_code": status, "reason": reason}


def _create(wire: Wire, path: str, **fields: Any) -> dict[str, Any]:
    response = wire.api("POST", path, json=fields)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


# -- conversation API ----------------------------------------------------------------------


def test_non_string_to_addr_type_matches_no_opt_out(wire: Wire) -> None:
    assert wire.api("PUT", "/optouts/msisdn/+2782").status_code == 200
    for to_addr_type in (["msisdn"], {"a": 1}, 7):
        sent = wire.send({"to_addr": "+2782", "content": "x", "to_addr_type": to_addr_type})
        assert sent.status_code == 200, sent.text
        assert sent.json()["to_addr"] == "+2782"
    # The default type still finds the opt-out, on the same keep-alive connection.
    refused = wire.send({"to_addr": "+2782", "content": "x"})
    assert refused.json() == {
        "success": False,
        "reason": "Recipient with msisdn +2782 has opted out",
    }
    assert len(wire.account.outbound_messages()) == 3


def test_lone_surrogates_and_deep_nesting_are_invalid_messages(wire: Wire) -> None:
    inbound = wire.account.inject_inbound("+2782", "hi")
    bodies = [
        b'{"to_addr": "\\ud800", "content": "x"}',
        b'{"to_addr": "+1", "to_addr_type": "\\udfff", "content": "x"}',
        b'{"in_reply_to": "\\ud800", "content": "x"}',
        b'{"to_addr": "\xed\xa0\x80", "content": "x"}',  # raw UTF-8 of a surrogate
        json.dumps({"in_reply_to": inbound["message_id"], "content": "x",
                    "helper_metadata": {"load_balancer": _nested(200)}}).encode(),
        b"[" * 100_000,
    ]  # fmt: skip
    for body in bodies:
        response = wire.send(None, data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (body[:40], response.text)
        assert response.json() == {"success": False, "reason": "Invalid Message"}
    surrogate_metric = wire.send(None, "metrics.json", data=b'[["\\ud800", 1, "sum"]]')
    assert surrogate_metric.json() == {"success": False, "reason": "Invalid Message"}
    assert wire.account.outbound_messages() == []


# -- contacts and groups -------------------------------------------------------------------


def test_timestamps_pushed_out_of_range_by_their_offset(wire: Wire) -> None:
    contact = _create(wire, "/contacts/", msisdn="+1")
    group = _create(wire, "/groups/", name="g")
    for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        created = wire.api("POST", "/contacts/", json={"msisdn": "+1", "dob": moment})
        _toolkit_error(created, 400, BAD_TIMESTAMP)
        for field in ("dob", "created_at"):
            updated = wire.api("PUT", f"/contacts/{contact['key']}", json={field: moment})
            _toolkit_error(updated, 400, BAD_TIMESTAMP)
        regrouped = wire.api("PUT", f"/groups/{group['key']}", json={"created_at": moment})
        _toolkit_error(regrouped, 400, BAD_TIMESTAMP)
    assert wire.api("GET", f"/contacts/{contact['key']}").json() == contact


def test_group_member_cursor_offsets_are_small_ascii_numbers(wire: Wire) -> None:
    _create(wire, "/contacts/", msisdn="+1")
    key = _create(wire, "/groups/", name="g", query="msisdn:+1")["key"]
    path = f"/groups/{key}/contacts"
    for offset in ("9" * 19, "9" * 30, "\u00b2", "\u0663", "-1", "+1", " 1"):
        cursor = codecs.encode("dynamicgroup", "rot13") + offset
        response = wire.api("GET", path, params={"cursor": cursor})
        _toolkit_error(response, 400, f"Invalid cursor: u{cursor!a}")
    biggest = codecs.encode("dynamicgroup", "rot13") + "9" * 18
    assert wire.api("GET", path, params={"cursor": biggest}).json() == {
        "cursor": None,
        "data": [],
    }
    first = wire.api("GET", path, params={"cursor": "qlanzvptebhc0"}).json()
    assert [c["msisdn"] for c in first["data"]] == ["+1"]


def test_smart_query_depth_and_size_are_bounded(wire: Wire) -> None:
    cases = {
        "(" * 1200 + "name:a" + ")" * 1200: "nested deeper than 32 levels",
        "NOT " * 1200 + "name:a": "nested deeper than 32 levels",
        "(" * 20 + "NOT " * 13 + "name:a" + ")" * 20: "nested deeper than 32 levels",
        " OR ".join(f"name:n{i}" for i in range(1500)): "more than 200 terms",
        "name:a" + "*" * 60_000: "wildcard value longer than 10000 characters",
        "extras-a\0b:1": "unknown field 'extras-a\\x00b'",
    }
    for query, reason in cases.items():
        created = wire.api("POST", "/groups/", json={"name": "g", "query": query})
        _toolkit_error(created, 400, f"Invalid smart group query: {reason}")
    assert wire.api("GET", "/groups/").json() == {"cursor": None, "data": []}


def test_smart_queries_at_the_limits_run(wire: Wire) -> None:
    contact = _create(wire, "/contacts/", msisdn="+1", name="n199")
    terms = " OR ".join(f"name:n{i}*" for i in range(200))
    query = "(" * 15 + "NOT " * 16 + f"({terms})" + ")" * 15
    group = _create(wire, "/groups/", name="g", query=query)
    path = f"/groups/{group['key']}/contacts"
    page = wire.api("GET", path, params={"cursor": "qlanzvptebhc"})
    assert page.status_code == 200, page.text
    assert page.json()["data"] == [contact]  # 16 NOTs: an even count cancels out
    stream = wire.api("GET", path, params={"stream": "true"})
    assert [json.loads(line) for line in stream.text.splitlines()] == [contact]


def test_toolkit_bodies_with_lone_surrogates_or_deep_nesting(wire: Wire) -> None:
    surrogate = wire.api("POST", "/contacts/", data=b'{"msisdn": "+1", "name": "\\ud800"}')
    assert surrogate.status_code == 400
    assert surrogate.json()["reason"].startswith("Invalid JSON: string with a lone surrogate")
    paired = wire.api("POST", "/contacts/", data=b'{"msisdn": "+1", "name": "\\ud83d\\ude00"}')
    assert paired.json()["name"] == "\U0001f600"
    too_deep = json.dumps({"msisdn": "+1", "extra": _nested(MAX_JSON_DEPTH)}).encode()
    for path in ("/contacts/", "/groups/", "/metrics/", "/_sandbox/inbound"):
        for body in (too_deep, b"[" * 100_000):
            response = wire.api("POST", path, data=body)
            _toolkit_error(
                response, 400, f"Invalid JSON: nested deeper than {MAX_JSON_DEPTH} levels"
            )
    inbound = wire.api("POST", "/_sandbox/inbound", data=b'{"from_addr": "+1",'
                       b' "conversation_key": "\\ud800"}')  # fmt: skip
    assert inbound.status_code == 400


def test_rpc_bodies_with_lone_surrogates_or_deep_nesting(wire: Wire) -> None:
    for body in (b'{"jsonrpc": "2.0", "id": 1, "method": "\\ud800", "params": []}',
                 b"[" * 100_000):  # fmt: skip
        response = wire.api("POST", "/api/", data=body)
        assert response.status_code == 200
        assert response.json()["error"]["faultCode"] == -32700
        assert response.json()["error"]["faultString"].startswith("Parse error: ")
    # Nesting up to the limit is fine: a poll is stored and read back whole.
    poll = {"poll": {"nested": _nested(MAX_JSON_DEPTH - 8)}}
    key = wire.account.conversation_key
    account = wire.account.account_key
    saved = wire.rpc("conversation.dialogue.save_poll", [account, key, poll])
    assert saved["result"] == {"saved": True}
    assert wire.rpc("conversation.dialogue.get_poll", [account, key])["result"] == poll


# -- metrics -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("from", "9" * 400),
        ("from", "9" * 20),
        ("until", "9" * 30),
        ("from", "-" + "9" * 20 + "s"),
        ("until", "+" + "9" * 400 + "y"),
    ],
)
def test_metric_times_out_of_range_are_unparsable(wire: Wire, name: str, value: str) -> None:
    response = wire.api("GET", "/metrics/", params={"m": "a.sum", name: value})
    assert response.status_code == 400, response.text
    assert response.json()["reason"].startswith(f"Invalid '{name}' value '{value}': expected")


def test_metric_interval_wider_than_any_range_is_refused(wire: Wire) -> None:
    wire.api("POST", "/metrics/", json={"a.sum": 1})
    for interval in ("9" * 400 + "s", "20000y"):
        response = wire.api("GET", "/metrics/", params={"m": "a.sum", "interval": interval})
        assert response.status_code == 400, response.text
        assert response.json()["reason"].startswith(f"Invalid 'interval' value '{interval}'")
    widest = wire.api("GET", "/metrics/", params={"m": "a.sum", "interval": "9000y"})
    assert widest.status_code == 200
