"""Errors: typed HTTPError subclasses, the server's reason, opt-outs and JSON-RPC faults."""

from __future__ import annotations

import pytest
import requests
import responses

from go_http.account import AccountApiClient
from go_http.contacts import ContactsApiClient
from go_http.exceptions import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    JsonRpcException,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TooManyConcurrentRequestsError,
    UserOptedOutException,
)
from go_http.optouts import OptOutsApiClient
from go_http.send import HttpApiSender
from tests.unit.conftest import BASE, SEND_BASE, TOKEN

NO_RETRY = {"retry": None}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (405, ApiError),
        (409, ConflictError),
        (500, ServerError),
    ],
)
def test_status_chooses_error_class_and_keeps_httperror(
    mock_http: responses.RequestsMock, status: int, cls: type[ApiError]
) -> None:
    body = {"status_code": status, "reason": "Contact 'c1' went wrong."}
    mock_http.get(f"{BASE}/contacts/c1", json=body, status=status)
    with pytest.raises(requests.HTTPError) as info:
        ContactsApiClient(TOKEN, api_url=BASE).get_contact("c1")
    error = info.value
    assert type(error) is cls
    assert isinstance(error, ApiError)
    assert error.status_code == status
    assert error.reason == "Contact 'c1' went wrong."
    assert error.response is not None
    assert error.response.status_code == status
    assert error.response.json() == body
    assert "Contact 'c1' went wrong." in str(error)


def test_optouts_envelope_reason(mock_http: responses.RequestsMock) -> None:
    body = {"status": {"code": 409, "reason": "Opt out already exists."}}
    mock_http.put(f"{BASE}/optouts/msisdn/%2B27", json=body, status=409)
    with pytest.raises(ConflictError) as info:
        OptOutsApiClient(TOKEN, api_url=BASE).set_optout("msisdn", "+27")
    assert info.value.reason == "Opt out already exists."


def test_non_json_error_body_keeps_response(mock_http: responses.RequestsMock) -> None:
    mock_http.get(f"{BASE}/contacts/c1", body="Unauthorized", status=401)
    with pytest.raises(AuthenticationError) as info:
        ContactsApiClient(TOKEN, api_url=BASE).get_contact("c1")
    assert info.value.reason == "Unauthorized"
    assert info.value.response is not None
    assert info.value.response.text == "Unauthorized"


def test_rate_limited_after_retries_exhausted(mock_http: responses.RequestsMock) -> None:
    mock_http.get(f"{BASE}/contacts/c1", body="slow down", status=429)
    from go_http import RetryPolicy

    client = ContactsApiClient(TOKEN, api_url=BASE, retry=RetryPolicy(retries=0))
    with pytest.raises(RateLimitedError):
        client.get_contact("c1")


def test_contact_lookup_miss_is_not_found(mock_http: responses.RequestsMock) -> None:
    reason = "Object u'Contact with msisdn +27999' not found."
    mock_http.get(f"{BASE}/contacts/", json={"status_code": 400, "reason": reason}, status=400)
    with pytest.raises(NotFoundError) as info:
        ContactsApiClient(TOKEN, api_url=BASE).get_contact(msisdn="+27999")
    assert info.value.status_code == 400
    assert info.value.reason == reason


SEND_URL = f"{SEND_BASE}/conv/messages.json"


def test_opted_out_send_raises_user_opted_out(mock_http: responses.RequestsMock) -> None:
    reason = "Recipient with msisdn +27821234567 has opted out"
    mock_http.put(SEND_URL, json={"success": False, "reason": reason}, status=400)
    with pytest.raises(UserOptedOutException) as info:
        HttpApiSender("acc", "conv", "tok", api_url=SEND_BASE).send_text("+27821234567", "Hi")
    error = info.value
    assert (error.to_addr, error.message, error.reason) == ("+27821234567", "Hi", reason)
    assert isinstance(error, requests.HTTPError)
    assert error.response is not None
    assert error.response.status_code == 400


def test_other_send_errors_stay_http_errors(mock_http: responses.RequestsMock) -> None:
    mock_http.put(SEND_URL, body="<html>Not Found</html>", status=404)
    with pytest.raises(NotFoundError) as info:
        HttpApiSender("acc", "conv", "tok", api_url=SEND_BASE).send_text("+27", "Hi")
    assert not isinstance(info.value, UserOptedOutException)
    assert info.value.response is not None
    assert info.value.response.status_code == 404


def test_concurrency_limit_403_has_its_own_type(mock_http: responses.RequestsMock) -> None:
    page = "<html><title>Forbidden</title><body>Too many concurrent connections</body></html>"
    mock_http.put(SEND_URL, body=page, status=403)
    from go_http import RetryPolicy

    sender = HttpApiSender("acc", "conv", "tok", api_url=SEND_BASE, retry=RetryPolicy(retries=0))
    with pytest.raises(TooManyConcurrentRequestsError) as info:
        sender.send_text("+27", "Hi")
    assert isinstance(info.value, RateLimitedError)
    assert isinstance(info.value, PermissionDeniedError)
    assert info.value.reason == "Too many concurrent connections"


@pytest.mark.parametrize(
    "answer",
    [
        {
            "result": None,
            "error": {
                "fault": "GoApiError",
                "faultCode": 404,
                "faultString": "Unknown campaign key.",
            },
            "id": None,
        },
        {
            "jsonrpc": "2.0",
            "error": {"code": 404, "message": "Unknown campaign key."},
            "id": 0,
        },
    ],
)
def test_jsonrpc_errors_raise_jsonrpc_exception(
    mock_http: responses.RequestsMock, answer: dict[str, object]
) -> None:
    mock_http.post(f"{BASE}/api/", json=answer)
    with pytest.raises(JsonRpcException) as info:
        AccountApiClient(TOKEN, api_url=BASE).conversations("other")
    assert info.value.fault_code == 404
    assert info.value.fault_string == "Unknown campaign key."


def test_jsonrpc_fault_names_its_class(mock_http: responses.RequestsMock) -> None:
    answer = {
        "result": None,
        "error": {"fault": "Fault", "faultCode": 8002, "faultString": "error"},
        "id": None,
    }
    mock_http.post(f"{BASE}/api/", json=answer)
    with pytest.raises(JsonRpcException) as info:
        AccountApiClient(TOKEN, api_url=BASE).campaigns()
    assert (info.value.fault, info.value.fault_code, info.value.fault_string) == (
        "Fault",
        8002,
        "error",
    )
