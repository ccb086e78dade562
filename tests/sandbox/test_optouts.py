"""Opt-outs API (spec §5) over the wire."""

from __future__ import annotations

import requests

from tests.sandbox.conftest import Wire


def test_put_get_delete_count(wire: Wire) -> None:
    assert wire.api("GET", "/optouts/count").json() == {
        "status": {"code": 200, "reason": "OK"},
        "opt_out_count": 0,
    }
    created = wire.api("PUT", "/optouts/msisdn/%2B27821234567")
    assert created.status_code == 200
    assert created.headers["content-type"] == "application/json"
    body = created.json()
    assert body["status"] == {"code": 200, "reason": "OK"}
    record = body["opt_out"]
    assert record["user_account"] == wire.account.account_key
    assert record["message"] is None
    assert record["address_type"] == "msisdn"
    assert record["address"] == "+27821234567"
    assert len(record["created_at"]) == 26
    # '+' in a path segment stays '+': both spellings address the same record.
    assert wire.api("GET", "/optouts/msisdn/+27821234567").json()["opt_out"] == record
    again = wire.api("PUT", "/optouts/msisdn/+27821234567")
    assert again.status_code == 409
    assert again.json() == {"status": {"code": 409, "reason": "Opt out already exists."}}
    wire.api("PUT", "/optouts/twitter_handle/%40someone")
    assert wire.api("GET", "/optouts/twitter_handle/@someone").status_code == 200
    assert wire.api("GET", "/optouts/count").json()["opt_out_count"] == 2
    deleted = wire.api("DELETE", "/optouts/msisdn/%2B27821234567")
    assert deleted.json() == {"status": {"code": 200, "reason": "OK"}, "opt_out": record}
    assert wire.api("GET", "/optouts/count").json()["opt_out_count"] == 1


def test_not_found_cases(wire: Wire) -> None:
    missing = wire.api("GET", "/optouts/msisdn/%2B1")
    assert missing.status_code == 404
    assert missing.json() == {"status": {"code": 404, "reason": "Opt out not found."}}
    # Exact matching: no normalisation, and the type matters.
    wire.api("PUT", "/optouts/msisdn/%2B1")
    assert wire.api("GET", "/optouts/msisdn/1").status_code == 404
    assert wire.api("GET", "/optouts/whatsapp/%2B1").status_code == 404
    nothing = wire.api("DELETE", "/optouts/msisdn/2")
    assert nothing.status_code == 404
    assert nothing.json() == {"status": {"code": 404, "reason": "There's nothing to delete."}}


def test_auth_and_routing_errors(wire: Wire) -> None:
    url = f"{wire.account.api_url}/optouts/msisdn/%2B1"
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json() == {"status": {"code": 401, "reason": "Owner ID not valid."}}
    wrong_method = wire.api("POST", "/optouts/msisdn/%2B1")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("text/html")
    for path in ("/optouts/msisdn/%2B1/", "/optouts/msisdn/a%2Fb", "/optouts/msisdn"):
        response = wire.api("GET", path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
