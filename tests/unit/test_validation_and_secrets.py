"""Bad input fails before any request with an error that names it; secrets never leak."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

from go_http import RetryPolicy
from go_http.account import AccountApiClient
from go_http.contacts import ContactsApiClient
from go_http.exceptions import ApiError
from go_http.metrics import MetricsApiClient
from go_http.optouts import OptOutsApiClient
from go_http.send import HttpApiSender
from tests.unit.conftest import BASE, CONVERSATION_TOKEN, SEND_BASE, TOKEN

Call = Callable[[], Any]
NOT_A_NUMBER: Any = {"pings.sum": "many"}


def sender() -> HttpApiSender:
    return HttpApiSender("acc", "conv", CONVERSATION_TOKEN, api_url=SEND_BASE)


CASES: list[tuple[str, Call, str]] = [
    (
        "fire without aggregator",
        lambda: MetricsApiClient(TOKEN, api_url=BASE).fire({"stores.default.pings": 1}),
        r"metric name 'stores.default.pings' must end in one of \.avg, \.sum",
    ),
    (
        "fire with unknown aggregator",
        lambda: MetricsApiClient(TOKEN, api_url=BASE).fire({"pings.median": 1}),
        "metric name 'pings.median'",
    ),
    (
        "fire with a non-number",
        lambda: MetricsApiClient(TOKEN, api_url=BASE).fire(NOT_A_NUMBER),
        "value of metric 'pings.sum' must be a finite number",
    ),
    (
        "fire with NaN",
        lambda: MetricsApiClient(TOKEN, api_url=BASE).fire({"pings.sum": float("nan")}),
        "value of metric 'pings.sum' must be a finite number, got nan",
    ),
    (
        "fire_metric with infinity",
        lambda: sender().fire_metric("pings", float("inf")),
        "value of metric 'pings' must be a finite number, got inf",
    ),
    (
        "get_metric without aggregator",
        lambda: MetricsApiClient(TOKEN, api_url=BASE).get_metric("x", "-1d", "1h", "zeroize"),
        "metric name 'x'",
    ),
    (
        "get_metric with bad nulls",
        lambda: MetricsApiClient(TOKEN, api_url=BASE).get_metric("x.sum", "-1d", "1h", "zero"),
        "nulls must be one of zeroize, omit, keep; got 'zero'",
    ),
    (
        "fire_metric with bad agg",
        lambda: sender().fire_metric("pings", 1, agg="median"),
        "agg must be one of avg, sum, max, min, last; got 'median'",
    ),
    (
        "send_text with bad session_event",
        lambda: sender().send_text("+27", "Hi", session_event="end"),
        "session_event must be one of new, resume, close; got 'end'",
    ),
    (
        "send_text without address",
        lambda: sender().send_text("", "Hi"),
        "to_addr must be a non-empty string",
    ),
    (
        "get_contact with nothing",
        lambda: ContactsApiClient(TOKEN, api_url=BASE).get_contact(),
        "get_contact takes either a contact key or exactly one field=value lookup",
    ),
    (
        "get_contact with key and lookup",
        lambda: ContactsApiClient(TOKEN, api_url=BASE).get_contact("k", msisdn="+27"),
        "get_contact takes either",
    ),
    (
        "get_contact with two lookups",
        lambda: ContactsApiClient(TOKEN, api_url=BASE).get_contact(msisdn="+27", bbm_pin="x"),
        "get_contact takes either",
    ),
    (
        "get_contact by a field that is not an address",
        lambda: ContactsApiClient(TOKEN, api_url=BASE).get_contact(name="Thandi"),
        "the lookup field must be one of bbm_pin, facebook_id",
    ),
    (
        "opt-out address with a slash",
        lambda: OptOutsApiClient(TOKEN, api_url=BASE).set_optout("msisdn", "a/b"),
        "address must not contain '/'",
    ),
    (
        "routing table without entries",
        lambda: AccountApiClient(TOKEN, api_url=BASE).update_routing_table(
            "acc", {"channels": [], "routers": [], "conversations": []}
        ),
        "routing table is missing routing_entries",
    ),
]


@pytest.mark.parametrize(("name", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_rejected_before_any_request(
    mock_http: responses.RequestsMock, name: str, call: Call, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()
    assert len(mock_http.calls) == 0


def test_bad_credentials_are_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="auth_token must be a non-empty string"):
        ContactsApiClient("")
    with pytest.raises(ValueError, match="conversation_token must be a non-empty string"):
        HttpApiSender("acc", "conv", "")


@pytest.mark.parametrize("token", [TOKEN + "\n", " " + TOKEN, TOKEN + "\r\nX-Evil: 1"])
def test_tokens_with_whitespace_or_control_characters_are_refused_without_echo(
    token: str,
) -> None:
    with pytest.raises(ValueError, match="auth_token must not contain whitespace") as info:
        ContactsApiClient(token)
    assert TOKEN not in str(info.value)
    with pytest.raises(ValueError, match="conversation_token must not contain") as info:
        HttpApiSender("acc", "conv", token)
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize("url", ["", "localhost:8080/api/v1/go", "ftp://x/api"])
def test_api_url_must_be_an_http_url(url: str) -> None:
    with pytest.raises(ValueError, match="api_url must be an http:// or https:// URL"):
        ContactsApiClient(TOKEN, api_url=url)


def test_contact_data_must_be_a_dict(mock_http: responses.RequestsMock) -> None:
    with pytest.raises(TypeError, match="contact_data must be a dict, not list"):
        ContactsApiClient(TOKEN, api_url=BASE).create_contact([("msisdn", "+27")])  # type: ignore[arg-type]


# -- secrets -----------------------------------------------------------------------------


def test_reprs_hide_tokens() -> None:
    clients: list[object] = [
        ContactsApiClient(TOKEN),
        AccountApiClient(TOKEN),
        MetricsApiClient(TOKEN),
        OptOutsApiClient(TOKEN),
        sender(),
    ]
    for client in clients:
        assert TOKEN not in repr(client)
        assert CONVERSATION_TOKEN not in repr(client)
        assert TOKEN not in str(client)
        assert CONVERSATION_TOKEN not in str(client)
        assert TOKEN not in repr(client._transport)  # type: ignore[attr-defined]


def test_errors_and_logs_hide_tokens(
    mock_http: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    mock_http.get(f"{BASE}/contacts/c1", status=401, body=f"bad token {TOKEN}")
    mock_http.put(f"{SEND_BASE}/conv/messages.json", status=500, body="boom")
    errors: list[BaseException] = []
    calls: list[Call] = [
        lambda: ContactsApiClient(TOKEN, api_url=BASE, retry=RetryPolicy(0)).get_contact("c1"),
        lambda: sender().send_text("+27", "Hi"),
    ]
    for call in calls:
        with pytest.raises(ApiError) as info:
            call()
        errors.append(info.value)
    for error in errors:
        for secret in (TOKEN, CONVERSATION_TOKEN):
            assert secret not in str(error)
            assert secret not in repr(error)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in logged
    assert CONVERSATION_TOKEN not in logged


def test_credentials_in_the_url_are_not_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://user:pa55word@127.0.0.1:{port}/api/v1/go"
    client = ContactsApiClient(TOKEN, api_url=url, retry=RetryPolicy(retries=0))
    with pytest.raises(requests.ConnectionError) as info:
        client.get_contact("c1")
    assert "pa55word" not in str(info.value)
    assert "pa55word" not in repr(client)
    assert f"http://***@127.0.0.1:{port}/api/v1/go/contacts/c1" in str(info.value)
