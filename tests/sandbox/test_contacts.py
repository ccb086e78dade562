"""Contacts & groups API (spec §3, §4) over the wire."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.sandbox.conftest import Wire


def _create(wire: Wire, **fields: Any) -> dict[str, Any]:
    response = wire.api("POST", "/contacts/", json=fields)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def _error(response: requests.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"status_code": status, "reason": reason}


def test_create_read_update_delete(wire: Wire) -> None:
    contact = _create(wire, msisdn="+27821234567", name="Thandi", extra={"language": "zu"},
                      dob="1990-05-01", groups=["g1"])  # fmt: skip
    assert list(contact) == [
        "key", "$VERSION", "user_account", "created_at", "name", "surname", "email_address",
        "dob", "msisdn", "twitter_handle", "facebook_id", "bbm_pin", "gtalk_id", "mxit_id",
        "wechat_id", "groups", "extra", "subscription",
    ]  # fmt: skip
    assert contact["$VERSION"] == 2
    assert contact["user_account"] == wire.account.account_key
    assert contact["dob"] == "1990-05-01 00:00:00.000000"
    assert len(contact["created_at"]) == 26
    key = contact["key"]
    assert wire.api("GET", f"/contacts/{key}").json() == contact
    updated = wire.api("PUT", f"/contacts/{key}", json={"surname": "Nkosi", "groups": ["g2", "g1"],
                                                         "user_account": "ignored"})  # fmt: skip
    assert updated.status_code == 200
    assert updated.json()["surname"] == "Nkosi"
    assert updated.json()["name"] == "Thandi"
    assert updated.json()["groups"] == ["g1", "g2"]
    assert updated.json()["user_account"] == wire.account.account_key
    deleted = wire.api("DELETE", f"/contacts/{key}")
    assert deleted.json() == updated.json()
    _error(wire.api("GET", f"/contacts/{key}"), 404, f"Contact '{key}' not found.")
    _error(wire.api("DELETE", f"/contacts/{key}"), 404, f"Contact '{key}' not found.")


def test_contact_validation_messages(wire: Wire) -> None:
    cases: list[tuple[Any, str]] = [
        ({"msisdn": "+1", "b": 1, "a": 2}, "Invalid contact fields: a, b"),
        ({"msisdn": "+1", "key": "x", "$VERSION": 2}, "Invalid contact fields: $VERSION, key"),
        ({"name": "x"}, "None is not allowed as a value for non-null fields."),
        ({"msisdn": None}, "None is not allowed as a value for non-null fields."),
        ({"msisdn": 5}, "Value 5 is not a unicode string."),
        ({"msisdn": "+1", "name": "n" * 256},
         f"Value u'{'n' * 256}' too long (maximum length is 255)."),
        ({"msisdn": "+1", "bbm_pin": "p" * 101},
         f"Value u'{'p' * 101}' too long (maximum length is 100)."),
        ({"msisdn": "+1", "dob": "not a date"},
         "Timestamp field expects a datetime or an iso8601 formatted string."),
        ({"msisdn": "+1", "extra": {"a": 5}}, "Value 5 is not a unicode string."),
        ({"msisdn": "+1", "extra": [1, 2]},
         "Value [1, 2] should be a dict of subfield name-value pairs"),
        ({"msisdn": "+1", "subscription": None},
         "None is not allowed as a value for non-null fields."),
    ]  # fmt: skip
    for body, reason in cases:
        _error(wire.api("POST", "/contacts/", json=body), 400, reason)
    garbage = wire.api("POST", "/contacts/", data=b"{nope")
    assert garbage.status_code == 400
    assert garbage.json()["reason"].startswith("Invalid JSON: ")
    assert wire.api("GET", "/contacts/").json() == {"cursor": None, "data": []}


def test_update_validation_and_order(wire: Wire) -> None:
    key = _create(wire, msisdn="+1")["key"]
    _error(wire.api("PUT", "/contacts/missing", json={"bad": 1}), 400,
           "Invalid contact fields: bad")  # fmt: skip
    _error(wire.api("PUT", "/contacts/missing", json={"name": "x"}), 404,
           "Contact 'missing' not found.")  # fmt: skip
    _error(wire.api("PUT", f"/contacts/{key}", json={"extra": "x"}), 400,
           "Value u'x' should be a dict of subfield name-value pairs")  # fmt: skip
    _error(wire.api("PUT", f"/contacts/{key}", json={"msisdn": None}), 400,
           "None is not allowed as a value for non-null fields.")  # fmt: skip
    # A failed update changes nothing.
    assert wire.api("GET", f"/contacts/{key}").json()["extra"] == {}


def test_address_lookup(wire: Wire) -> None:
    _create(wire, msisdn="+27821234567", name="old")
    newest = _create(wire, msisdn="+27821234567", name="new")
    _create(wire, msisdn="27800000000", twitter_handle="@t")
    for query in ("msisdn=+27821234567", "msisdn=27821234567"):
        found = wire.api("GET", "/contacts/", params={"query": query})
        assert found.json() == {"cursor": None, "data": [newest]}
    assert (
        wire.api("GET", "/contacts/", params={"query": "twitter_handle=@t"}).json()["data"][0][
            "msisdn"
        ]
        == "27800000000"
    )
    # Stored without '+', so the normalised lookup can never find it.
    _error(wire.api("GET", "/contacts/", params={"query": "msisdn=27800000000"}), 400,
           "Object u'Contact with msisdn +27800000000' not found.")  # fmt: skip
    _error(wire.api("GET", "/contacts/", params={"query": "msisdn"}), 400,
           "Query must be of the form 'field=value'")  # fmt: skip
    _error(wire.api("GET", "/contacts/", params={"query": "name=x"}), 400,
           "Query field must be one of: ['bbm_pin', 'facebook_id', 'gtalk_id', 'msisdn', "
           "'mxit_id', 'twitter_handle', 'wechat_id']")  # fmt: skip
    _error(wire.api("GET", "/contacts/", params={"query": "msisdn=1", "stream": "true"}), 400,
           "query parameter not supported")  # fmt: skip


def test_pagination_with_empty_tail_page(wire: Wire) -> None:
    keys = sorted(_create(wire, msisdn=f"+{i}")["key"] for i in range(6))
    seen: list[str] = []
    pages: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"max_results": "3"}
        if cursor is not None:
            params["cursor"] = cursor
        page = wire.api("GET", "/contacts/", params=params).json()
        pages.append(len(page["data"]))
        seen.extend(c["key"] for c in page["data"])
        cursor = page["cursor"]
        if cursor is None:
            break
    assert seen == keys  # key order
    assert pages == [3, 3, 0]  # a full page always carries a cursor
    _error(wire.api("GET", "/contacts/", params={"cursor": "bad-id"}), 400,
           "Riak error, possible invalid cursor: u'bad-id'")  # fmt: skip
    _error(wire.api("GET", "/contacts/", params={"max_results": "x"}), 400,
           "max_results must be an integer")  # fmt: skip
    partial = wire.api("GET", "/contacts/", params={"max_results": "4"}).json()
    rest = wire.api("GET", "/contacts/", params={"cursor": partial["cursor"]}).json()
    assert [len(partial["data"]), len(rest["data"]), rest["cursor"]] == [4, 2, None]


def test_stream_is_ndjson(wire: Wire) -> None:
    assert wire.api("GET", "/contacts/", params={"stream": "true"}).content == b""
    created = [_create(wire, msisdn=f"+{i}") for i in range(450)]  # several stream batches
    response = wire.api("GET", "/contacts/", params={"stream": "true"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content.endswith(b"\n")
    lines = [json.loads(line) for line in response.content.splitlines()]
    assert lines == sorted(created, key=lambda c: c["key"])


def test_groups_crud_and_errors(wire: Wire) -> None:
    group = wire.api("POST", "/groups/", json={"name": "Zulu", "user_account": "x"}).json()
    assert set(group) == {"key", "$VERSION", "user_account", "name", "query", "created_at"}
    assert group["$VERSION"] is None
    assert group["query"] is None
    key = group["key"]
    assert wire.api("GET", f"/groups/{key}").json() == group
    smart = wire.api("PUT", f"/groups/{key}", json={"query": "extras-language:zu"}).json()
    assert smart["query"] == "extras-language:zu"
    _error(wire.api("PUT", f"/groups/{key}", json={"name": None}), 400,
           "None is not allowed as a value for non-null fields.")  # fmt: skip
    _error(wire.api("POST", "/groups/", json={"query": "a:b"}), 400,
           "The group name must be specified in group creation")  # fmt: skip
    _error(wire.api("POST", "/groups/", json={"name": "x", "foo": 1}), 400,
           "Invalid group fields: foo")  # fmt: skip
    _error(wire.api("POST", "/groups/", json={"name": 5}), 400,
           "Value 5 is not a unicode string.")  # fmt: skip
    bad_query = wire.api("POST", "/groups/", json={"name": "x", "query": "name:(oops"})
    assert bad_query.status_code == 400
    assert bad_query.json()["reason"].startswith("Invalid smart group query: ")
    _error(wire.api("GET", "/groups/", params={"query": "x"}), 400,
           "query parameter not supported")  # fmt: skip
    _error(wire.api("POST", f"/groups/{key}"), 405, "Method Not Allowed")
    _error(wire.api("PUT", "/contacts/"), 405, "Method Not Allowed")
    assert wire.api("DELETE", f"/groups/{key}").json()["key"] == key
    _error(wire.api("GET", f"/groups/{key}"), 404, f"Group '{key}' not found.")
    listing = wire.api("GET", "/groups/").json()
    assert listing == {"cursor": None, "data": []}


def test_unmatched_paths_are_html_404(wire: Wire) -> None:
    for path in ("/contacts", "/groups", "/contacts/abc/", "/groups/abc/contacts/"):
        response = wire.api("GET", path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")


def test_group_members_static_then_smart(wire: Wire) -> None:
    group = wire.api("POST", "/groups/", json={"name": "g", "query": "extras-language:zu"}).json()
    gkey = group["key"]
    static_only = _create(wire, msisdn="+1", groups=[gkey])
    both = _create(wire, msisdn="+2", groups=[gkey], extra={"language": "zu"})
    smart_only = _create(wire, msisdn="+3", extra={"language": "zu"})
    _create(wire, msisdn="+4", extra={"language": "en"})
    pages: list[list[str]] = []
    cursors: list[str | None] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"max_results": "2"}
        if cursor:
            params["cursor"] = cursor
        page = wire.api("GET", f"/groups/{gkey}/contacts", params=params).json()
        pages.append([c["msisdn"] for c in page["data"]])
        cursor = page["cursor"]
        cursors.append(cursor)
        if cursor is None:
            break
    static_keys = sorted([static_only["key"], both["key"]])
    by_key = {static_only["key"]: "+1", both["key"]: "+2", smart_only["key"]: "+3"}
    dynamic = [by_key[k] for k in sorted([both["key"], smart_only["key"]])]
    # Static members first (a full page, then an empty one), then the smart matches;
    # the contact in both parts appears twice, and a smart listing ends with an empty page.
    assert pages == [[by_key[k] for k in static_keys], [], dynamic, []]
    assert cursors[1] == "qlanzvptebhc"
    streamed = wire.api("GET", f"/groups/{gkey}/contacts", params={"stream": "true"})
    assert [json.loads(line)["msisdn"] for line in streamed.content.splitlines()] == [
        *[by_key[k] for k in static_keys], *dynamic,
    ]  # fmt: skip
    _error(wire.api("GET", f"/groups/{gkey}/contacts", params={"cursor": "foo"}), 400,
           "Invalid cursor: u'foo'")  # fmt: skip
    _error(wire.api("GET", f"/groups/{gkey}/contacts", params={"query": "x"}), 400,
           "query parameter not supported")  # fmt: skip
    assert wire.api("GET", "/groups/unknown/contacts").json() == {"cursor": None, "data": []}


def test_smart_query_language(wire: Wire) -> None:
    a = _create(wire, msisdn="+271", name="Foo 1", subscription={"news": "daily"})
    b = _create(wire, msisdn="+272", name="Foo 2", extra={"region": "KZN"})
    c = _create(wire, msisdn="+441", name="Bar", extra={"region": "WC"})

    def members(query: str) -> set[str]:
        group = wire.api("POST", "/groups/", json={"name": query, "query": query}).json()
        listing = wire.api("GET", f"/groups/{group['key']}/contacts", params={"stream": "true"})
        return {json.loads(line)["key"] for line in listing.content.splitlines()}

    assert members('name:"Foo 1"') == {a["key"]}
    assert members("msisdn:+272") == {b["key"]}
    assert members("subscription-news:daily") == {a["key"]}
    assert members("extras-region:KZN OR extras-region:WC") == {b["key"], c["key"]}
    assert members("msisdn:+27* AND NOT extras-region:KZN") == {a["key"]}
    assert members("(name:Bar || name:Foo*) && extras-region:*") == {b["key"], c["key"]}
    assert members("name:foo*") == set()


def test_toolkit_auth(wire: Wire) -> None:
    url = f"{wire.account.api_url}/contacts/"
    _error(requests.get(url, timeout=10), 401, "Unauthorized")
    _error(requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10), 403,
           "Forbidden")  # fmt: skip


def test_large_max_results_is_clamped_not_rejected(wire: Wire) -> None:
    _create(wire, msisdn="+1")
    page = wire.api("GET", "/contacts/", params={"max_results": "1000000"}).json()
    assert page == {"cursor": None, "data": page["data"]}
    assert len(page["data"]) == 1
