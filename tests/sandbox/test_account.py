"""Account JSON-RPC API (spec §2) over the wire."""

from __future__ import annotations

from typing import Any

import requests

from tests.sandbox.conftest import Wire


def _ok(body: Any) -> Any:
    assert body["error"] is None, body
    assert body["id"] is None
    assert "jsonrpc" not in body
    return body["result"]


def test_envelope_and_campaigns(wire: Wire) -> None:
    response = wire.api(
        "POST", "/api/", json={"jsonrpc": "2.0", "id": 7, "method": "campaigns", "params": []}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/json"
    assert response.json() == {
        "result": [{"key": wire.account.account_key, "name": "Your Campaign"}],
        "error": None,
        "id": None,
    }
    # Without a trailing slash, and with the pre-1.0 framing (no jsonrpc, falsy id).
    bare = wire.api("POST", "/api", json={"id": 0, "method": "campaigns", "params": []})
    assert bare.json() == [[{"key": wire.account.account_key, "name": "Your Campaign"}]]


def test_ready_made_objects(wire: Wire) -> None:
    key = wire.account.account_key
    conversations = _ok(wire.rpc("conversations", [key]))
    conv = wire.account.conversation_key
    assert conversations == [
        {
            "uuid": conv,
            "type": "http_api_nostream",
            "name": "Sandbox HTTP API",
            "description": "Ready-made sandbox conversation",
            "status": "running",
            "endpoints": [
                {"uuid": f"CONVERSATION:http_api_nostream:{conv}::default", "name": "default"}
            ],
        }
    ]
    channels = _ok(wire.rpc("channels", [key]))
    assert channels[0] == {
        "uuid": "longcode:10080",
        "tag": ["longcode", "10080"],
        "name": "10080",
        "description": "Longcode: 10080",
        "endpoints": [{"uuid": "TRANSPORT_TAG:longcode:10080::default", "name": "default"}],
    }
    routers = _ok(wire.rpc("routers", [key]))
    assert len(routers) == 1
    assert routers[0]["type"] == "keyword"
    assert [e["name"] for e in routers[0]["conversation_endpoints"]] == ["default", "keyword_one"]
    entries = _ok(wire.rpc("routing_entries", [key]))
    assert {
        "source": {"uuid": "TRANSPORT_TAG:longcode:10080::default"},
        "target": {"uuid": f"CONVERSATION:http_api_nostream:{conv}::default"},
    } in entries
    table = _ok(wire.rpc("routing_table", [key]))
    assert table == {
        "channels": channels,
        "routers": routers,
        "conversations": conversations,
        "routing_entries": entries,
    }


def test_routing_table_round_trip_and_replace(wire: Wire) -> None:
    key = wire.account.account_key
    table = _ok(wire.rpc("routing_table", [key]))
    assert _ok(wire.rpc("update_routing_table", [key, table])) is None
    assert _ok(wire.rpc("routing_table", [key])) == table
    table["routing_entries"] = table["routing_entries"][:2]
    assert _ok(wire.rpc("update_routing_table", [key, table])) is None
    assert _ok(wire.rpc("routing_entries", [key])) == table["routing_entries"]


def _fault(body: Any) -> Any:
    assert body["result"] is None
    assert body["id"] is None
    return body["error"]


def test_routing_validation_faults_change_nothing(wire: Wire) -> None:
    key = wire.account.account_key
    table = _ok(wire.rpc("routing_table", [key]))
    before = table["routing_entries"]
    channel = "TRANSPORT_TAG:longcode:10080::default"
    conv = f"CONVERSATION:http_api_nostream:{wire.account.conversation_key}::default"
    cases = [
        (
            {"source": {"uuid": "foo::bar"}, "target": {"uuid": conv}},
            "Unknown source endpoint {u'uuid': u'foo::bar'}",
        ),
        (
            {"source": {"uuid": channel, "x": 1}, "target": {"uuid": "bar::baz"}},
            f"Source outbound-receiving endpoint {{u'uuid': u'{channel}', u'x': 1}} should "
            "link to an inbound-receiving endpoint but links to {u'uuid': u'bar::baz'}",
        ),
        (
            {"source": {"uuid": conv}, "target": {"uuid": conv}},
            f"Source inbound-receiving endpoint {{u'uuid': u'{conv}'}} should link to an "
            f"outbound-receiving endpoint but links to {{u'uuid': u'{conv}'}}",
        ),
    ]
    for bad, text in cases:
        # The bad entry comes after a valid one: nothing at all may be saved.
        table["routing_entries"] = [before[0], bad]
        error = _fault(wire.rpc("update_routing_table", [key, table]))
        assert error == {"fault": "InvalidRoutingTable", "faultCode": 400, "faultString": text}
        assert _ok(wire.rpc("routing_entries", [key])) == before


def test_fault_catalogue(wire: Wire, other: Wire) -> None:
    key = wire.account.account_key
    unknown_campaign = {"fault": "GoApiError", "faultCode": 404,
                        "faultString": "Unknown campaign key."}  # fmt: skip
    assert _fault(wire.rpc("conversations", [other.account.account_key])) == unknown_campaign
    # A params object is unpacked as its key names (txJSON-RPC 0.3.1).
    assert _fault(wire.rpc("conversations", {"campaign_key": key})) == unknown_campaign
    opaque = {"fault": "Fault", "faultCode": 8002, "faultString": "error"}
    assert _fault(wire.rpc("conversations", [5])) == opaque
    assert _fault(wire.rpc("conversations", [])) == opaque
    assert _fault(wire.rpc("campaigns", [key])) == opaque
    assert _fault(wire.rpc("update_routing_table", [key, {"channels": []}])) == opaque
    assert _fault(wire.rpc("nope", [])) == {
        "fault": "NoSuchFunction", "faultCode": -32601, "faultString": "function nope not found"
    }  # fmt: skip
    assert _fault(wire.rpc("conversation.unknown.x", [])) == {
        "fault": "NoSuchFunction", "faultCode": -32601,
        "faultString": "no such sub-handler unknown",
    }  # fmt: skip
    assert _fault(wire.rpc("foo.bar", []))["faultString"] == "no such sub-handler foo"


def test_malformed_requests_get_faults_not_500(wire: Wire) -> None:
    garbage = wire.api("POST", "/api/", data=b"{not json")
    assert garbage.status_code == 200
    assert garbage.json()["error"]["faultCode"] == -32700
    missing = wire.api("POST", "/api/", json={"jsonrpc": "2.0", "id": 1, "method": "campaigns"})
    assert missing.status_code == 200
    assert "params" in missing.json()["error"]["faultString"]


def test_auth(wire: Wire) -> None:
    url = f"{wire.account.api_url}/api/"
    body = {"jsonrpc": "2.0", "id": 1, "method": "campaigns", "params": []}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}):
        response = requests.post(url, json=body, headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.text == "Unauthorized"
        challenges = response.raw.headers.getlist("WWW-Authenticate")
        assert challenges == ['basic realm="Vumi Go API"', 'bearer realm="Vumi Go API"']


def test_dialogue_poll_round_trip(wire: Wire) -> None:
    key, conv = wire.account.account_key, wire.account.conversation_key
    assert _ok(wire.rpc("conversation.dialogue.get_poll", [key, conv])) == {"poll": {}}
    poll = {"poll": {"states": [{"uuid": "s1"}]}}
    assert _ok(wire.rpc("conversation.dialogue.save_poll", [key, conv, poll])) == {"saved": True}
    assert _ok(wire.rpc("conversation.dialogue.get_poll", [key, conv])) == poll
    assert _ok(wire.rpc("conversation.dialogue.get_poll", [key, None])) == {"poll": {}}


def test_introspection(wire: Wire) -> None:
    names = _ok(wire.rpc("system.listMethods", []))
    assert "update_routing_table" in names
    assert "conversation.dialogue.get_poll" in names
