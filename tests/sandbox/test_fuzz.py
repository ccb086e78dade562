"""A bounded sweep of malformed input over every route: never a 5xx, never a dropped
connection.  Hand-picked values (no hypothesis), loopback only."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.sandbox.conftest import Wire

#: Wrong JSON types, extremes, unicode trouble and deep nesting for any body field.
VALUES: list[Any] = [
    None, True, -1, 10**30, 1e308, "", "\0", "\u00b2", "x" * 5000, [], ["x"], {}, {"a": [1]},
    [[[[[[[[[[["deep"]]]]]]]]]]],
]  # fmt: skip
#: Raw bodies no JSON parser should turn into a stored value.
RAW_BODIES = [b"", b"\xff", b'"\\ud800"', b'{"a": "\\udfff"}', b"[" * 5000, b"1" * 5000]
#: Values for query parameters and path segments.
PARAMS = ["", "-1", "9" * 30, "\u00b2", "%ED%A0%80", "nan", "inf", "x" * 3000, "qlanzvptebhc1e9"]

CONTACT_FIELDS = ["msisdn", "name", "dob", "created_at", "groups", "extra", "key"]
MESSAGE_FIELDS = ["to_addr", "content", "to_addr_type", "in_reply_to", "session_event"]
INBOUND_FIELDS = ["from_addr", "content", "session_event", "to_addr", "conversation_key"]
RPC_METHODS = ["campaigns", "routing_table", "update_routing_table",
               "conversation.dialogue.save_poll", "system.methodHelp"]  # fmt: skip


class Sweep:
    """Sends requests on one keep-alive session and collects every 5xx."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.failures: list[str] = []

    def check(self, label: str, response: requests.Response) -> None:
        if response.status_code >= 500:
            self.failures.append(f"{label}: {response.status_code} {response.text[:100]}")

    def api(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        self.check(f"{method} {path} {data[:40]!r}", self.wire.api(method, path, data=data))

    def send(self, body: Any, what: str = "messages.json", raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        self.check(f"PUT {what} {data[:40]!r}", self.wire.send(None, what, data=data))


@pytest.fixture
def sweep(wire: Wire) -> Sweep:
    return Sweep(wire)


def test_bodies(sweep: Sweep, wire: Wire) -> None:
    contact = wire.api("POST", "/contacts/", json={"msisdn": "+1"}).json()["key"]
    group = wire.api("POST", "/groups/", json={"name": "g"}).json()["key"]
    inbound = wire.account.inject_inbound("+1", "hi")["message_id"]
    account, conversation = wire.account.account_key, wire.account.conversation_key
    for value in VALUES:
        for field in CONTACT_FIELDS:
            sweep.api("POST", "/contacts/", {"msisdn": "+1", field: value})
            sweep.api("PUT", f"/contacts/{contact}", {field: value})
        for field in ("name", "query", "created_at"):
            sweep.api("POST", "/groups/", {"name": "g", field: value})
            sweep.api("PUT", f"/groups/{group}", {field: value})
        for field in MESSAGE_FIELDS:
            sweep.send({"to_addr": "+2", "content": "x", field: value})
            sweep.send({"in_reply_to": inbound, "content": "x", field: value})
        for item in ([value, 1, "sum"], ["a", value, "sum"], ["a", 1, value], value):
            sweep.send([item], "metrics.json")
        sweep.api("POST", "/metrics/", {"a.sum": value})
        sweep.api("POST", "/metrics/", value)
        for field in INBOUND_FIELDS:
            sweep.api("POST", "/_sandbox/inbound", {"from_addr": "+1", field: value})
        for method in RPC_METHODS:
            for params in ([value], [account, value], [account, conversation, value], value):
                sweep.api("POST", "/api/", {"jsonrpc": "2.0", "id": 1, "method": method,
                                            "params": params})  # fmt: skip
        sweep.api("POST", "/api/", {"jsonrpc": "2.0", "id": value, "method": value})
    for raw in RAW_BODIES:
        for path in ("/contacts/", "/groups/", "/metrics/", "/_sandbox/inbound", "/api/"):
            sweep.api("POST", path, raw=raw)
        sweep.api("PUT", f"/contacts/{contact}", raw=raw)
        sweep.send(None, raw=raw)
        sweep.send(None, "metrics.json", raw=raw)
    assert sweep.failures == []


def test_query_parameters_and_paths(sweep: Sweep, wire: Wire) -> None:
    group = wire.api("POST", "/groups/", json={"name": "g", "query": "name:a*"}).json()["key"]
    listings = ["/contacts/", "/groups/", f"/groups/{group}/contacts", "/metrics/?m=a.sum",
                "/_sandbox/outbound"]  # fmt: skip
    names = ["cursor", "max_results", "query", "stream", "from", "until", "interval", "nulls"]
    for value in PARAMS:
        for listing in listings:
            for name in names:
                joiner = "&" if "?" in listing else "?"
                url = f"{listing}{joiner}{name}={quote(value, safe='%')}"
                sweep.check(f"GET {url[:80]}", wire.api("GET", url))
        for path in (f"/contacts/{value}", f"/groups/{value}", f"/groups/{value}/contacts",
                     f"/optouts/msisdn/{value}", f"/optouts/{value}/x"):  # fmt: skip
            for method in ("GET", "PUT", "DELETE"):
                sweep.check(f"{method} {path[:80]}", wire.api(method, path, json={"name": "x"}))
    assert sweep.failures == []
