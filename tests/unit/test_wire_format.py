"""What each documented method puts on the wire: method, URL, headers and body."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
import responses

from go_http.account import AccountApiClient
from go_http.contacts import ContactsApiClient
from go_http.metrics import MetricsApiClient
from go_http.optouts import OptOutsApiClient
from go_http.send import HttpApiSender
from tests.unit.conftest import (
    ACCOUNT,
    BASE,
    CONVERSATION,
    CONVERSATION_TOKEN,
    SEND_BASE,
    TOKEN,
    body_of,
)

JSON_TYPE = "application/json; charset=utf-8"
CONTACT = {"key": "c1", "msisdn": "+27821234567"}


def contacts() -> ContactsApiClient:
    return ContactsApiClient(TOKEN, api_url=BASE)


def only_call(mock: responses.RequestsMock) -> Any:
    assert len(mock.calls) == 1
    return mock.calls[0]


# -- defaults and attributes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "cls", [AccountApiClient, ContactsApiClient, MetricsApiClient, OptOutsApiClient]
)
def test_bearer_clients_default_url_session_and_attributes(cls: Any) -> None:
    client = cls("my-token")
    assert client.api_url == "https://go.vumi.org/api/v1/go"
    assert client.auth_token == "my-token"
    assert isinstance(client.session, requests.Session)
    session = requests.Session()
    other = cls("t", api_url="http://example.org/api/", session=session)
    assert other.api_url == "http://example.org/api"
    assert other.session is session


def test_sender_defaults_and_attributes() -> None:
    sender = HttpApiSender("acc", "conv", "tok")
    assert sender.api_url == "https://go.vumi.org/api/v1/go/http_api_nostream"
    assert (sender.account_key, sender.conversation_key, sender.conversation_token) == (
        "acc",
        "conv",
        "tok",
    )
    assert isinstance(sender.session, requests.Session)
    assert HttpApiSender("a", "c", "t", api_url="http://x/send//").api_url == "http://x/send"


# -- bearer headers, routes and bodies -------------------------------------------------------


def test_bearer_headers_are_exact(mock_http: responses.RequestsMock) -> None:
    mock_http.get(f"{BASE}/contacts/c1", json=CONTACT)
    assert contacts().get_contact("c1") == CONTACT
    headers = only_call(mock_http).request.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Content-Type"] == JSON_TYPE


def test_list_routes_keep_trailing_slash_and_item_routes_have_none(
    mock_http: responses.RequestsMock,
) -> None:
    mock_http.get(f"{BASE}/contacts/", json={"cursor": None, "data": []})
    mock_http.get(f"{BASE}/groups/", json={"cursor": None, "data": []})
    mock_http.get(f"{BASE}/groups/g1/contacts", json={"cursor": None, "data": []})
    mock_http.get(f"{BASE}/metrics/", json={})
    mock_http.get(f"{BASE}/groups/g1", json={"key": "g1"})
    client = contacts()
    list(client.contacts())
    list(client.groups())
    list(client.group_contacts("g1"))
    client.get_group("g1")
    MetricsApiClient(TOKEN, api_url=BASE).get_metric("a.b.sum", "-1d", "1h", "zeroize")
    paths = [call.request.path_url.split("?")[0] for call in mock_http.calls]
    assert paths == [
        "/api/v1/go/contacts/",
        "/api/v1/go/groups/",
        "/api/v1/go/groups/g1/contacts",
        "/api/v1/go/groups/g1",
        "/api/v1/go/metrics/",
    ]


@pytest.mark.parametrize(
    ("key", "encoded"),
    [("+27821234567", "%2B27821234567"), ("a/b", "a%2Fb"), ("x#y?z", "x%23y%3Fz")],
)
def test_path_segments_are_percent_encoded(
    mock_http: responses.RequestsMock, key: str, encoded: str
) -> None:
    mock_http.get(f"{BASE}/contacts/{encoded}", json=CONTACT)
    contacts().get_contact(key)
    assert only_call(mock_http).request.path_url == f"/api/v1/go/contacts/{encoded}"


def test_cursor_and_lookup_are_encoded_query_parameters(
    mock_http: responses.RequestsMock,
) -> None:
    mock_http.get(f"{BASE}/contacts/", json={"cursor": None, "data": [CONTACT]})
    contacts().contacts_page("ab+/c=", page_size=50)
    contacts().get_contact(msisdn="+27821234567")
    first, second = (call.request.path_url for call in mock_http.calls)
    assert first == "/api/v1/go/contacts/?max_results=50&cursor=ab%2B%2Fc%3D"
    assert second == "/api/v1/go/contacts/?query=msisdn%3D%2B27821234567"


def test_reads_and_deletes_send_no_body(mock_http: responses.RequestsMock) -> None:
    mock_http.get(f"{BASE}/contacts/c1", json=CONTACT)
    mock_http.delete(f"{BASE}/contacts/c1", json=CONTACT)
    mock_http.put(f"{BASE}/optouts/msisdn/%2B27", json={"opt_out": {}})
    mock_http.delete(f"{BASE}/optouts/msisdn/%2B27", json={"opt_out": {}})
    mock_http.get(f"{BASE}/optouts/count", json={"opt_out_count": 0})
    client = contacts()
    client.get_contact("c1")
    client.delete_contact("c1")
    optouts = OptOutsApiClient(TOKEN, api_url=BASE)
    optouts.set_optout("msisdn", "+27")
    optouts.delete_optout("msisdn", "+27")
    optouts.count()
    assert [call.request.body for call in mock_http.calls] == [None] * 5


def test_contact_and_group_writes_send_json(mock_http: responses.RequestsMock) -> None:
    mock_http.post(f"{BASE}/contacts/", json=CONTACT)
    mock_http.put(f"{BASE}/contacts/c1", json=CONTACT)
    mock_http.post(f"{BASE}/groups/", json={"key": "g1"})
    mock_http.put(f"{BASE}/groups/g1", json={"key": "g1"})
    mock_http.delete(f"{BASE}/groups/g1", json={"key": "g1"})
    client = contacts()
    client.create_contact({"msisdn": "+27821234567", "name": "Thandi"})
    client.update_contact("c1", {"surname": "Nkosi"})
    client.create_group({"name": "Zulu", "query": "extras-language:zu"})
    client.update_group("g1", {"name": "Zulu speakers"})
    assert client.delete_group("g1") == {"key": "g1"}
    sent = [(c.request.method, body_of(c)) for c in mock_http.calls]
    assert sent == [
        ("POST", {"msisdn": "+27821234567", "name": "Thandi"}),
        ("PUT", {"surname": "Nkosi"}),
        ("POST", {"name": "Zulu", "query": "extras-language:zu"}),
        ("PUT", {"name": "Zulu speakers"}),
        ("DELETE", None),
    ]


def test_optout_results(mock_http: responses.RequestsMock) -> None:
    record = {"user_account": "acc", "message": None, "created_at": "2016-03-22 12:01:44.512871"}
    mock_http.get(f"{BASE}/optouts/msisdn/%2B27", json={"status": {}, "opt_out": record})
    mock_http.get(f"{BASE}/optouts/count", json={"status": {}, "opt_out_count": 3})
    optouts = OptOutsApiClient(TOKEN, api_url=BASE)
    assert optouts.get_optout("msisdn", "+27") == record
    assert optouts.count() == 3


@pytest.mark.parametrize("method", ["get_optout", "delete_optout"])
def test_optout_get_and_delete_return_none_on_404(
    mock_http: responses.RequestsMock, method: str
) -> None:
    body = {"status": {"code": 404, "reason": "Opt out not found."}}
    mock_http.add(
        "GET" if method == "get_optout" else "DELETE",
        f"{BASE}/optouts/twitter_handle/%40me",
        json=body,
        status=404,
    )
    assert getattr(OptOutsApiClient(TOKEN, api_url=BASE), method)("twitter_handle", "@me") is None


def test_metrics_fire_and_get(mock_http: responses.RequestsMock) -> None:
    fired = [{"name": "stores.default.x.sum", "value": 1.0, "aggregator": "sum"}]
    mock_http.post(f"{BASE}/metrics/", json=fired)
    series = {"stores.default.x.sum": [{"x": 1000, "y": 1.0}]}
    mock_http.get(f"{BASE}/metrics/", json=series)
    client = MetricsApiClient(TOKEN, api_url=BASE)
    assert client.fire({"stores.default.x.sum": 1}) == fired
    assert client.get_metric("stores.default.x.sum", "-7d", "1d", "omit", end="now") == series
    post, get = mock_http.calls
    assert body_of(post) == {"stores.default.x.sum": 1.0}
    assert get.request.path_url == (
        "/api/v1/go/metrics/?m=stores.default.x.sum&from=-7d&interval=1d&nulls=omit&until=now"
    )


# -- JSON-RPC --------------------------------------------------------------------------------


def rpc_result(result: Any) -> dict[str, Any]:
    return {"result": result, "error": None, "id": None}


@pytest.mark.parametrize(
    ("method", "args", "params"),
    [
        ("campaigns", (), []),
        ("conversations", ("acc",), ["acc"]),
        ("channels", ("acc",), ["acc"]),
        ("routers", ("acc",), ["acc"]),
        ("routing_entries", ("acc",), ["acc"]),
        ("routing_table", ("acc",), ["acc"]),
    ],
)
def test_jsonrpc_requests(
    mock_http: responses.RequestsMock, method: str, args: tuple[str, ...], params: list[str]
) -> None:
    mock_http.post(f"{BASE}/api/", json=rpc_result([{"key": "acc"}]))
    client = AccountApiClient(TOKEN, api_url=BASE)
    assert getattr(client, method)(*args) == [{"key": "acc"}]
    call = only_call(mock_http)
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.request.headers["Content-Type"] == JSON_TYPE
    assert body_of(call) == {"jsonrpc": "2.0", "id": 0, "method": method, "params": params}


def test_update_routing_table_sends_table(mock_http: responses.RequestsMock) -> None:
    mock_http.post(f"{BASE}/api/", json=rpc_result(None))
    table = {
        "channels": [],
        "routers": [],
        "conversations": [],
        "routing_entries": [{"source": {"uuid": "a::default"}, "target": {"uuid": "b::default"}}],
    }
    AccountApiClient(TOKEN, api_url=BASE).update_routing_table("acc", table)
    assert body_of(only_call(mock_http))["params"] == ["acc", table]


def test_jsonrpc_accepts_standard_2_0_answers(mock_http: responses.RequestsMock) -> None:
    mock_http.post(f"{BASE}/api/", json={"jsonrpc": "2.0", "result": [{"key": "acc"}], "id": 0})
    assert AccountApiClient(TOKEN, api_url=BASE).campaigns() == [{"key": "acc"}]


# -- sender ----------------------------------------------------------------------------------


def sender() -> HttpApiSender:
    return HttpApiSender(ACCOUNT, CONVERSATION, CONVERSATION_TOKEN, api_url=SEND_BASE)


SEND_URL = f"{SEND_BASE}/{CONVERSATION}/messages.json"


def test_send_text_uses_basic_auth_put_and_minimal_body(
    mock_http: responses.RequestsMock,
) -> None:
    mock_http.put(SEND_URL, json={"message_id": "m1"})
    assert sender().send_text("+27821234567", "Hi") == {"message_id": "m1"}
    call = only_call(mock_http)
    expected = base64.b64encode(f"{ACCOUNT}:{CONVERSATION_TOKEN}".encode()).decode()
    assert call.request.headers["Authorization"] == f"Basic {expected}"
    assert call.request.headers["Content-Type"] == JSON_TYPE
    assert call.request.method == "PUT"
    assert body_of(call) == {"to_addr": "+27821234567", "content": "Hi"}


def test_send_text_includes_session_event_only_when_given(
    mock_http: responses.RequestsMock,
) -> None:
    mock_http.put(SEND_URL, json={})
    sender().send_text("+27", "Bye", session_event="close")
    assert body_of(only_call(mock_http)) == {
        "to_addr": "+27",
        "content": "Bye",
        "session_event": "close",
    }


def test_send_voice_metadata_only_with_voice_options(mock_http: responses.RequestsMock) -> None:
    mock_http.put(SEND_URL, json={})
    sender().send_voice("+27", "Hi")
    sender().send_voice("+27", "Hi", speech_url="http://e.org/s.ogg", wait_for="#")
    plain, voice = (body_of(c) for c in mock_http.calls)
    assert plain == {"to_addr": "+27", "content": "Hi"}
    assert voice["helper_metadata"] == {
        "voice": {"speech_url": "http://e.org/s.ogg", "wait_for": "#"}
    }


def test_reply_body(mock_http: responses.RequestsMock) -> None:
    mock_http.put(SEND_URL, json={"in_reply_to": "in-1"})
    sender().reply("in-1", "Thanks", session_event="close")
    assert body_of(only_call(mock_http)) == {
        "in_reply_to": "in-1",
        "content": "Thanks",
        "session_event": "close",
    }


def test_fire_metric_body(mock_http: responses.RequestsMock) -> None:
    url = f"{SEND_BASE}/{CONVERSATION}/metrics.json"
    mock_http.put(url, json={"success": True, "reason": "Metrics published"})
    assert sender().fire_metric("pings", 5, agg="max") == {
        "success": True,
        "reason": "Metrics published",
    }
    sender().fire_metric("temp", 21.5)
    assert [body_of(c) for c in mock_http.calls] == [
        [["pings", 5, "max"]],
        [["temp", 21.5, "last"]],
    ]
