"""The async clients put the same bytes on the wire as the sync ones, and fail the same."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
import requests

from go_http import (
    AccountApiClient,
    ContactsApiClient,
    HttpApiSender,
    MetricsApiClient,
    OptOutsApiClient,
    RetryPolicy,
    Timeout,
)
from go_http._async_transport import async_network_failure
from go_http.aio import (
    AsyncAccountApiClient,
    AsyncContactsApiClient,
    AsyncHttpApiSender,
    AsyncMetricsApiClient,
    AsyncOptOutsApiClient,
)
from go_http.exceptions import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    ServerError,
    TooManyConcurrentRequestsError,
)
from tests.unit.recording_server import Answer, RecordingServer, recorder

__all__ = ["recorder"]

TOKEN = "tok-SECRET-5f3a9c"
TABLE: dict[str, list[Any]] = {
    "channels": [],
    "routers": [],
    "conversations": [],
    "routing_entries": [],
}

# (client kind, method, args, kwargs): every public method of every client.
CALLS: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("account", "campaigns", (), {}),
    ("account", "conversations", ("camp",), {}),
    ("account", "channels", ("camp",), {}),
    ("account", "routers", ("camp",), {}),
    ("account", "routing_entries", ("camp",), {}),
    ("account", "routing_table", ("camp",), {}),
    ("account", "update_routing_table", ("camp", TABLE), {}),
    ("contacts", "contacts_page", ("cur+/x",), {"page_size": 7}),
    ("contacts", "groups_page", (None,), {}),
    ("contacts", "group_contacts_page", ("g 1/+",), {"page_size": 2}),
    ("contacts", "create_contact", ({"msisdn": "+27821", "name": "é"},), {}),
    ("contacts", "get_contact", ("k/1",), {}),
    ("contacts", "get_contact", (), {"msisdn": "+27 82"}),
    ("contacts", "update_contact", ("k1", {"name": "n"}), {}),
    ("contacts", "delete_contact", ("k1",), {}),
    ("contacts", "create_group", ({"name": "g"},), {}),
    ("contacts", "get_group", ("g1",), {}),
    ("contacts", "update_group", ("g1", {"name": "h"}), {}),
    ("contacts", "delete_group", ("g1",), {}),
    ("metrics", "fire", ({"stores.default.x.sum": 1},), {}),
    ("metrics", "get_metric", ("stores.default.x.sum", "-1d", "1h", "omit"), {"end": "now"}),
    ("optouts", "count", (), {}),
    ("optouts", "get_optout", ("msisdn", "+27821"), {}),
    ("optouts", "set_optout", ("msisdn", "+27821"), {}),
    ("optouts", "delete_optout", ("msisdn", "+27821"), {}),
    ("sender", "send_text", ("+27821", "hi"), {"session_event": "new"}),
    ("sender", "send_voice", ("+27821", "hi"), {"speech_url": "http://s", "wait_for": "#"}),
    ("sender", "reply", ("in-1", "re"), {"session_event": "close"}),
    ("sender", "fire_metric", ("pings", 2.5), {"agg": "sum"}),
]

SYNC = {
    "account": AccountApiClient,
    "contacts": ContactsApiClient,
    "metrics": MetricsApiClient,
    "optouts": OptOutsApiClient,
}
ASYNC = {
    "account": AsyncAccountApiClient,
    "contacts": AsyncContactsApiClient,
    "metrics": AsyncMetricsApiClient,
    "optouts": AsyncOptOutsApiClient,
}


def sync_client(kind: str, url: str, **kwargs: Any) -> Any:
    if kind == "sender":
        return HttpApiSender("acc", "conv", "ctok", api_url=f"{url}/send", **kwargs)
    return SYNC[kind](TOKEN, api_url=url, **kwargs)


def async_client(kind: str, url: str, **kwargs: Any) -> Any:
    if kind == "sender":
        return AsyncHttpApiSender("acc", "conv", "ctok", api_url=f"{url}/send", **kwargs)
    return ASYNC[kind](TOKEN, api_url=url, **kwargs)


@pytest.mark.parametrize(("kind", "method", "args", "kwargs"), CALLS)
async def test_async_request_equals_sync_request(
    recorder: RecordingServer, kind: str, method: str, args: Any, kwargs: Any
) -> None:
    expected = getattr(sync_client(kind, recorder.url), method)(*args, **kwargs)
    async with async_client(kind, recorder.url) as client:
        result = await getattr(client, method)(*args, **kwargs)
    sync_request, async_request = recorder.requests
    assert async_request == sync_request
    assert result == expected


async def test_async_listings_request_like_sync(recorder: RecordingServer) -> None:
    sync = ContactsApiClient(TOKEN, api_url=recorder.url)
    expected = [
        list(sync.contacts(page_size=3)),
        list(sync.groups("c+1")),
        list(sync.group_contacts("g1", page_size=4)),
    ]
    async with AsyncContactsApiClient(TOKEN, api_url=recorder.url) as client:
        got = [
            [c async for c in client.contacts(page_size=3)],
            [g async for g in client.groups("c+1")],
            [c async for c in client.group_contacts("g1", page_size=4)],
        ]
    assert got == expected
    assert recorder.requests[3:] == recorder.requests[:3]
    assert recorder.requests[1].path.endswith("groups/?max_results=1000&cursor=c%2B1")


async def test_many_different_urls_each_reach_their_own_path(recorder: RecordingServer) -> None:
    # More distinct URLs than the transport keeps parsed, then the first ones again: each
    # request still goes to its own path (the kept URLs are dropped, never mixed up).
    keys = [f"k+{index}" for index in range(70)]
    async with AsyncContactsApiClient(TOKEN, api_url=recorder.url) as client:
        for key in [*keys, *keys[:3]]:
            await client.get_contact(key)
    paths = [request.path.rsplit("/", 1)[-1] for request in recorder.requests]
    assert paths == [f"k%2B{index}" for index in [*range(70), 0, 1, 2]]


ERROR_ANSWERS = [
    Answer(400, {"status_code": 400, "reason": "bad thing"}),
    Answer(401, b"Unauthorized"),
    Answer(403, b"<html><title>Forbidden</title>Too many concurrent connections</html>"),
    Answer(403, {"status_code": 403, "reason": "Forbidden"}),
    Answer(404, {"status_code": 404, "reason": "Contact 'k' not found."}),
    Answer(409, {"status": {"code": 409, "reason": "exists"}}),
    Answer(429, b"slow down"),
    Answer(500, {"status_code": 500, "reason": "Failed to retrieve 'k'"}),
]


@pytest.mark.parametrize("answer", ERROR_ANSWERS, ids=lambda a: str(a.status))
async def test_errors_map_like_sync(recorder: RecordingServer, answer: Answer) -> None:
    no_retry = RetryPolicy(retries=0)
    recorder.answer(answer, answer)
    with pytest.raises(ApiError) as sync_info:
        sync_client("contacts", recorder.url, retry=no_retry).get_contact("k")
    async with async_client("contacts", recorder.url, retry=no_retry) as client:
        with pytest.raises(ApiError) as async_info:
            await client.get_contact("k")
    assert type(async_info.value) is type(sync_info.value)
    assert str(async_info.value) == str(sync_info.value)
    assert async_info.value.reason == sync_info.value.reason
    response = async_info.value.response
    assert isinstance(response, requests.Response)
    assert response.status_code == answer.status
    assert response.content == sync_info.value.response.content
    assert TOKEN not in str(async_info.value)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def with_fake_sleep(client: Any) -> Sleeps:
    sleeps = Sleeps()
    client._transport.sleep = sleeps
    return sleeps


async def test_reads_retry_on_503_with_backoff(recorder: RecordingServer) -> None:
    recorder.answer(Answer(503, b"busy"), Answer(503, b"busy"))
    client = async_client("optouts", recorder.url, retry=RetryPolicy(retries=3, jitter=0))
    sleeps = with_fake_sleep(client)
    async with client:
        assert await client.count() == 0
    assert sleeps == [0.5, 1.0]
    assert len(recorder.requests) == 3


async def test_send_is_not_retried_after_a_server_error(recorder: RecordingServer) -> None:
    recorder.answer(Answer(503, b"busy"))
    client = async_client("sender", recorder.url)
    sleeps = with_fake_sleep(client)
    async with client:
        with pytest.raises(ServerError):
            await client.send_text("+27821", "once")
    assert sleeps == []
    assert len(recorder.requests) == 1


async def test_send_is_retried_where_the_server_did_not_act(recorder: RecordingServer) -> None:
    recorder.answer(
        Answer(429, b"slow", headers=(("Retry-After", "7"),)),
        Answer(403, b"Too many concurrent connections"),
    )
    client = async_client("sender", recorder.url, retry=RetryPolicy(retries=3, jitter=0))
    sleeps = with_fake_sleep(client)
    async with client:
        assert (await client.send_text("+27821", "x"))["message_id"] == "m1"
    assert sleeps == [7.0, 1.0]
    assert len(recorder.requests) == 3


async def test_concurrency_limit_surfaces_typed_after_retries(recorder: RecordingServer) -> None:
    recorder.answer(*[Answer(403, b"Too many concurrent connections")] * 2)
    client = async_client("sender", recorder.url, retry=RetryPolicy(retries=1))
    with_fake_sleep(client)
    async with client:
        with pytest.raises(TooManyConcurrentRequestsError):
            await client.send_text("+27821", "x")


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1/go"


async def test_connection_refused_is_not_sent_and_is_retried() -> None:
    client = async_client("sender", closed_port_url(), retry=RetryPolicy(retries=2))
    sleeps = with_fake_sleep(client)
    async with client:
        with pytest.raises(ApiConnectionError) as info:
            await client.send_text("+27821", "x")
    assert info.value.request_sent is False
    assert len(sleeps) == 2
    assert "ctok" not in str(info.value)


async def test_dropped_connection_may_have_been_sent(recorder: RecordingServer) -> None:
    recorder.answer(Answer(drop=True), Answer(drop=True))
    sender = async_client("sender", recorder.url)
    sleeps = with_fake_sleep(sender)
    async with sender:
        with pytest.raises(ApiConnectionError) as info:
            await sender.send_text("+27821", "x")
    assert info.value.request_sent is True
    assert sleeps == []  # a send that may have arrived is never repeated
    reader = async_client("optouts", recorder.url)
    with_fake_sleep(reader)
    async with reader:
        assert await reader.count() == 0  # a read is repeated
    assert len(recorder.requests) == 3


async def test_slow_answer_is_a_read_timeout(recorder: RecordingServer) -> None:
    recorder.answer(Answer(delay=0.5))
    client = async_client("sender", recorder.url, timeout=Timeout(connect=2, read=0.1))
    async with client:
        with pytest.raises(ApiTimeoutError) as info:
            await client.send_text("+27821", "x")
    assert info.value.request_sent is True


FAILURES: list[tuple[Callable[[], BaseException], type[Exception], bool]] = [
    (lambda: aiohttp.ConnectionTimeoutError("t"), ApiTimeoutError, False),
    (lambda: aiohttp.SocketTimeoutError("t"), ApiTimeoutError, True),
    (lambda: aiohttp.ServerDisconnectedError(), ApiConnectionError, True),
    (lambda: aiohttp.ClientOSError(104, "reset"), ApiConnectionError, True),
    (lambda: aiohttp.ClientPayloadError("cut"), ApiConnectionError, True),
]


@pytest.mark.parametrize(("make", "cls", "sent"), FAILURES)
def test_network_failure_mapping(
    make: Callable[[], BaseException], cls: type[Exception], sent: bool
) -> None:
    mapped = async_network_failure(make(), "PUT", "http://u:p@h/x")
    assert isinstance(mapped, cls)
    assert mapped.request_sent is sent
    assert "u:p" not in str(mapped)


async def test_client_creates_and_closes_its_session(recorder: RecordingServer) -> None:
    client = async_client("optouts", recorder.url)
    assert client.session is None
    await client.count()
    session = client.session
    assert isinstance(session, aiohttp.ClientSession)
    await client.close()
    assert session.closed
    async with aiohttp.ClientSession() as own:
        other = async_client("optouts", recorder.url, session=own)
        await other.count()
        await other.close()
        assert not own.closed


def test_repr_and_attributes_hide_secrets() -> None:
    sender = AsyncHttpApiSender("acc", "conv", "ctok-SECRET", api_url="http://h/x/")
    assert sender.api_url == "http://h/x"
    assert "SECRET" not in repr(sender)
    assert "SECRET" not in repr(sender._transport)
    client = AsyncContactsApiClient(TOKEN)
    assert client.api_url == "https://go.vumi.org/api/v1/go"
    assert client.auth_token == TOKEN
    assert TOKEN not in repr(client)
