"""Contacts, groups, opt-outs, metrics and account clients against the sandbox."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from go_http import ContactsApiClient, RetryPolicy
from go_http.exceptions import (
    ConflictError,
    JsonRpcException,
    NotFoundError,
    PagedException,
)
from tests.integration.conftest import Clients, clients_for

# -- contacts and groups ---------------------------------------------------------------------


def test_contact_lifecycle(go: Clients) -> None:
    created = go.contacts.create_contact({"msisdn": "+27821234567", "name": "Thandi"})
    key = created["key"]
    assert go.contacts.get_contact(key)["name"] == "Thandi"
    assert go.contacts.get_contact(msisdn="+27821234567")["key"] == key
    assert go.contacts.get_contact(msisdn="27821234567")["key"] == key
    updated = go.contacts.update_contact(key, {"surname": "Nkosi", "extra": {"lang": "zu"}})
    assert (updated["name"], updated["surname"], updated["extra"]) == (
        "Thandi",
        "Nkosi",
        {"lang": "zu"},
    )
    assert go.contacts.delete_contact(key)["key"] == key
    with pytest.raises(NotFoundError):
        go.contacts.get_contact(key)
    with pytest.raises(NotFoundError):
        go.contacts.get_contact(msisdn="+27821234567")


def test_contacts_iterates_more_than_three_pages(go: Clients) -> None:
    keys = {go.contacts.create_contact({"msisdn": f"+2782000{i:04d}"})["key"] for i in range(11)}
    seen = [c["key"] for c in go.contacts.contacts(page_size=3)]
    assert sorted(seen) == sorted(keys)
    assert len(seen) == 11


class FailingOnce(requests.Session):
    """A session whose Nth request fails, as a network fault mid-iteration would."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on = fail_on
        self.count = 0
        self.lock = threading.Lock()

    def request(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.count += 1
            if self.count == self.fail_on:
                raise requests.ConnectionError("injected failure")
        return super().request(*args, **kwargs)


def test_resume_after_paged_exception_has_no_gap_or_duplicate(go: Clients) -> None:
    for i in range(10):
        go.contacts.create_contact({"msisdn": f"+2783000{i:04d}"})
    client = ContactsApiClient(
        go.account.auth_token,
        api_url=go.account.api_url,
        session=FailingOnce(fail_on=3),
        retry=RetryPolicy(retries=0),
    )
    seen: list[str] = []
    with pytest.raises(PagedException) as info:
        seen.extend(contact["key"] for contact in client.contacts(page_size=3))
    assert len(seen) == 6
    assert info.value.cursor is not None
    for contact in client.contacts(info.value.cursor, page_size=3):
        seen.append(contact["key"])
    assert len(seen) == len(set(seen)) == 10


def test_groups_and_group_contacts(go: Clients) -> None:
    static = go.contacts.create_group({"name": "Static"})
    smart = go.contacts.create_group({"name": "Zulu", "query": "extras-lang:zu"})
    member = go.contacts.create_contact({"msisdn": "+27840000001", "groups": [static["key"]]})
    zulu = go.contacts.create_contact({"msisdn": "+27840000002", "extra": {"lang": "zu"}})
    go.contacts.create_contact({"msisdn": "+27840000003", "extra": {"lang": "en"}})

    assert {g["key"] for g in go.contacts.groups(page_size=1)} == {static["key"], smart["key"]}
    assert [c["key"] for c in go.contacts.group_contacts(static["key"])] == [member["key"]]
    assert [c["key"] for c in go.contacts.group_contacts(smart["key"], page_size=1)] == [
        zulu["key"]
    ]
    assert go.contacts.get_group(smart["key"])["query"] == "extras-lang:zu"
    assert go.contacts.update_group(static["key"], {"name": "Renamed"})["name"] == "Renamed"
    assert go.contacts.delete_group(static["key"])["key"] == static["key"]
    with pytest.raises(NotFoundError):
        go.contacts.get_group(static["key"])


# -- opt-outs --------------------------------------------------------------------------------


def test_optouts_round_trip(go: Clients) -> None:
    assert go.optouts.count() == 0
    assert go.optouts.get_optout("msisdn", "+27821234567") is None
    record = go.optouts.set_optout("msisdn", "+27821234567")
    assert record["address"] == "+27821234567"
    assert go.optouts.get_optout("msisdn", "+27821234567") is not None
    with pytest.raises(ConflictError):
        go.optouts.set_optout("msisdn", "+27821234567")
    assert go.optouts.count() == 1
    assert go.optouts.delete_optout("msisdn", "+27821234567") is not None
    assert go.optouts.delete_optout("msisdn", "+27821234567") is None
    assert go.optouts.count() == 0


# -- metrics ---------------------------------------------------------------------------------


def test_metrics_round_trip(go: Clients) -> None:
    fired = go.metrics.fire({"stores.default.answers.sum": 2, "stores.default.depth.last": 4.5})
    assert sorted(f["name"] for f in fired) == [
        "stores.default.answers.sum",
        "stores.default.depth.last",
    ]
    go.metrics.fire({"stores.default.answers.sum": 3})
    series = go.metrics.get_metric("stores.default.answers.sum", "-1h", "1h", "omit")
    assert [p["y"] for p in series["stores.default.answers.sum"]] == [5.0]


# -- account JSON-RPC --------------------------------------------------------------------------


def test_account_listing_and_routing_table_round_trip(go: Clients) -> None:
    key = go.account.account_key
    assert go.rpc.campaigns() == [{"key": key, "name": "Your Campaign"}]
    conversations = go.rpc.conversations(key)
    assert go.account.conversation_key in [c["uuid"] for c in conversations]
    assert go.rpc.channels(key)
    assert go.rpc.routers(key)
    table = go.rpc.routing_table(key)
    assert table["routing_entries"] == go.rpc.routing_entries(key)
    go.rpc.update_routing_table(key, {**table, "routing_entries": table["routing_entries"][:1]})
    assert go.rpc.routing_entries(key) == table["routing_entries"][:1]
    go.rpc.update_routing_table(key, table)
    assert sorted(map(str, go.rpc.routing_entries(key))) == sorted(
        map(str, table["routing_entries"])
    )


def test_invalid_routing_table_raises_and_changes_nothing(go: Clients) -> None:
    key = go.account.account_key
    before = go.rpc.routing_entries(key)
    table = go.rpc.routing_table(key)
    bad = [{"source": {"uuid": "foo::bar"}, "target": {"uuid": "baz::qux"}}]
    with pytest.raises(JsonRpcException) as info:
        go.rpc.update_routing_table(key, {**table, "routing_entries": bad})
    assert info.value.fault == "InvalidRoutingTable"
    assert info.value.fault_code == 400
    assert info.value.fault_string == "Unknown source endpoint {u'uuid': u'foo::bar'}"
    assert go.rpc.routing_entries(key) == before


def test_foreign_campaign_key_is_unknown(go: Clients) -> None:
    with pytest.raises(JsonRpcException) as info:
        go.rpc.conversations("not-my-account")
    assert info.value.fault_string == "Unknown campaign key."


# -- isolation ---------------------------------------------------------------------------------


def test_accounts_are_isolated(go: Clients) -> None:
    other = clients_for(go.account.add_account())
    contact = go.contacts.create_contact({"msisdn": "+27850000001"})
    group = go.contacts.create_group({"name": "Mine"})
    go.optouts.set_optout("msisdn", "+27850000001")
    go.metrics.fire({"stores.default.secret.sum": 1})
    go.sender.send_text("+27850000002", "hello")

    with pytest.raises(NotFoundError):
        other.contacts.get_contact(contact["key"])
    with pytest.raises(NotFoundError):
        other.contacts.update_contact(contact["key"], {"name": "x"})
    with pytest.raises(NotFoundError):
        other.contacts.get_group(group["key"])
    assert list(other.contacts.contacts()) == []
    assert list(other.contacts.group_contacts(group["key"])) == []
    assert other.optouts.get_optout("msisdn", "+27850000001") is None
    assert other.optouts.count() == 0
    other.sender.send_text("+27850000001", "not blocked by the other account's opt-out")
    series = other.metrics.get_metric("stores.default.secret.sum", "-1h", "1h", "omit")
    assert series.get("stores.default.secret.sum", []) == []
    assert [m["content"] for m in other.account.outbound_messages()] == [
        "not blocked by the other account's opt-out"
    ]
    with pytest.raises(JsonRpcException):
        other.rpc.routing_table(go.account.account_key)
