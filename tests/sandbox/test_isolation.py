"""One account's credentials never see another account's data."""

from __future__ import annotations

from tests.sandbox.conftest import Wire


def test_foreign_keys_read_as_not_found(wire: Wire, other: Wire) -> None:
    contact = wire.api("POST", "/contacts/", json={"msisdn": "+27820000001"}).json()
    group = wire.api("POST", "/groups/", json={"name": "mine", "query": "msisdn:*"}).json()
    wire.api("PUT", "/optouts/msisdn/%2B27820000001")
    wire.send({"to_addr": "+2799", "content": "secret"})

    assert other.api("GET", f"/contacts/{contact['key']}").status_code == 404
    assert other.api("PUT", f"/contacts/{contact['key']}", json={"name": "x"}).status_code == 404
    assert other.api("DELETE", f"/contacts/{contact['key']}").status_code == 404
    assert other.api("GET", "/contacts/").json() == {"cursor": None, "data": []}
    assert other.api("GET", "/contacts/", params={"stream": "true"}).content == b""
    lookup = other.api("GET", "/contacts/", params={"query": "msisdn=+27820000001"})
    assert lookup.status_code == 400
    assert other.api("GET", f"/groups/{group['key']}").status_code == 404
    assert other.api("GET", "/groups/").json() == {"cursor": None, "data": []}
    members = other.api("GET", f"/groups/{group['key']}/contacts").json()
    assert members == {"cursor": None, "data": []}
    assert other.api("GET", "/optouts/msisdn/%2B27820000001").status_code == 404
    assert other.api("GET", "/optouts/count").json()["opt_out_count"] == 0
    # The other account may send to an address this account's user opted out of.
    assert other.send({"to_addr": "+27820000001"}).status_code == 200
    assert [m["content"] for m in other.account.outbound_messages()] == [None]
    assert [m["content"] for m in wire.account.outbound_messages()] == ["secret"]
    # And the owner still sees everything.
    assert wire.api("GET", f"/contacts/{contact['key']}").status_code == 200
    assert wire.api("GET", "/optouts/count").json()["opt_out_count"] == 1
    own_members = wire.api("GET", f"/groups/{group['key']}/contacts", params={"stream": "true"})
    assert own_members.content.count(b"\n") == 1


def test_rpc_objects_are_per_account(wire: Wire, other: Wire) -> None:
    mine = wire.rpc("conversations", [wire.account.account_key])["result"]
    theirs = other.rpc("conversations", [other.account.account_key])["result"]
    assert [c["uuid"] for c in mine] == [wire.account.conversation_key]
    assert [c["uuid"] for c in theirs] == [other.account.conversation_key]
    # Routing into another account's conversation is an unknown endpoint.
    table = wire.rpc("routing_table", [wire.account.account_key])["result"]
    foreign = f"CONVERSATION:http_api_nostream:{other.account.conversation_key}::default"
    table["routing_entries"] = [
        {"source": {"uuid": foreign}, "target": {"uuid": "TRANSPORT_TAG:longcode:10080::default"}}
    ]
    fault = wire.rpc("update_routing_table", [wire.account.account_key, table])["error"]
    assert fault["faultString"] == f"Unknown source endpoint {{u'uuid': u'{foreign}'}}"
