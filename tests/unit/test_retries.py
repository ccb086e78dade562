"""Retries: reads retry on transient failures; a send is never repeated once it may have
reached the server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import responses

from go_http import RetryPolicy, Timeout
from go_http.contacts import ContactsApiClient
from go_http.exceptions import (
    ApiConnectionError,
    ApiTimeoutError,
    ServerError,
    TooManyConcurrentRequestsError,
)
from go_http.optouts import OptOutsApiClient
from go_http.send import HttpApiSender
from tests.unit.conftest import BASE, SEND_BASE, TOKEN, RecordedSleeps

SEND_URL = f"{SEND_BASE}/conv/messages.json"
MESSAGE = {"message_id": "m1"}
CONCURRENCY_PAGE = "<html><body>Too many concurrent connections</body></html>"


def contacts_client(sleeps: RecordedSleeps, retries: int = 3) -> ContactsApiClient:
    client = ContactsApiClient(TOKEN, api_url=BASE, retry=RetryPolicy(retries=retries))
    client._transport.sleep = sleeps
    return client


def sender(sleeps: RecordedSleeps, api_url: str = SEND_BASE, retries: int = 3) -> HttpApiSender:
    client = HttpApiSender(
        "acc", "conv", "tok", api_url=api_url, retry=RetryPolicy(retries=retries)
    )
    client._transport.sleep = sleeps
    return client


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_reads_retry_transient_statuses(
    mock_http: responses.RequestsMock, sleeps: RecordedSleeps, status: int
) -> None:
    url = f"{BASE}/contacts/c1"
    mock_http.get(url, status=status, body="busy")
    mock_http.get(url, status=status, body="busy")
    mock_http.get(url, json={"key": "c1"})
    assert contacts_client(sleeps).get_contact("c1") == {"key": "c1"}
    assert len(mock_http.calls) == 3
    assert len(sleeps) == 2
    assert sleeps[1] > 0


def test_retries_stop_after_the_configured_number(
    mock_http: responses.RequestsMock, sleeps: RecordedSleeps
) -> None:
    mock_http.get(f"{BASE}/contacts/c1", status=503, body="down")
    with pytest.raises(ServerError):
        contacts_client(sleeps, retries=2).get_contact("c1")
    assert len(mock_http.calls) == 3


def test_zero_retries_disables_retrying(
    mock_http: responses.RequestsMock, sleeps: RecordedSleeps
) -> None:
    mock_http.get(f"{BASE}/contacts/c1", status=503, body="down")
    with pytest.raises(ServerError):
        contacts_client(sleeps, retries=0).get_contact("c1")
    assert len(mock_http.calls) == 1
    assert sleeps == []


def test_backoff_grows_and_retry_after_is_honoured(
    mock_http: responses.RequestsMock, sleeps: RecordedSleeps
) -> None:
    url = f"{BASE}/contacts/c1"
    mock_http.get(url, status=503, body="down")
    mock_http.get(url, status=503, body="down")
    mock_http.get(url, status=429, body="wait", headers={"Retry-After": "7"})
    mock_http.get(url, json={"key": "c1"})
    client = ContactsApiClient(
        TOKEN, api_url=BASE, retry=RetryPolicy(retries=3, backoff=1.0, jitter=0.0)
    )
    client._transport.sleep = sleeps
    client.get_contact("c1")
    assert sleeps == [1.0, 2.0, 7.0]


def test_send_is_not_retried_on_server_errors(
    mock_http: responses.RequestsMock, sleeps: RecordedSleeps
) -> None:
    mock_http.put(SEND_URL, status=503, body="down")
    with pytest.raises(ServerError):
        sender(sleeps).send_text("+27", "Hi")
    assert len(mock_http.calls) == 1


def test_send_is_retried_on_429(mock_http: responses.RequestsMock, sleeps: RecordedSleeps) -> None:
    mock_http.put(SEND_URL, status=429, body="slow down")
    mock_http.put(SEND_URL, json=MESSAGE)
    assert sender(sleeps).send_text("+27", "Hi") == MESSAGE
    assert len(mock_http.calls) == 2


def test_send_is_retried_on_concurrency_limit(
    mock_http: responses.RequestsMock, sleeps: RecordedSleeps
) -> None:
    mock_http.put(SEND_URL, status=403, body=CONCURRENCY_PAGE)
    mock_http.put(SEND_URL, json=MESSAGE)
    assert sender(sleeps).send_text("+27", "Hi") == MESSAGE
    assert len(mock_http.calls) == 2


def test_concurrency_limit_raises_when_retries_run_out(
    mock_http: responses.RequestsMock, sleeps: RecordedSleeps
) -> None:
    mock_http.put(SEND_URL, status=403, body=CONCURRENCY_PAGE)
    with pytest.raises(TooManyConcurrentRequestsError):
        sender(sleeps, retries=1).send_text("+27", "Hi")
    assert len(mock_http.calls) == 2


# -- real sockets: what happens when the connection fails -----------------------------------


class DroppingServer:
    """Reads each request completely, then closes the connection without answering:
    the server has acted, the client never hears back.  With ``partial_answer`` it first
    sends the head and part of an answer, as a server that dies mid-answer does."""

    def __init__(self, partial_answer: bytes = b"") -> None:
        self.partial_answer = partial_answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.requests = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/v1/go"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests += 1
                if self.partial_answer:
                    conn.sendall(self.partial_answer)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dropping_server() -> Iterator[DroppingServer]:
    server = DroppingServer()
    yield server
    server.close()


def test_send_is_not_repeated_when_connection_drops_after_server_acted(
    dropping_server: DroppingServer, sleeps: RecordedSleeps
) -> None:
    client = sender(sleeps, api_url=dropping_server.url + "/http_api_nostream")
    with pytest.raises(ApiConnectionError) as info:
        client.send_text("+27", "Hi")
    assert info.value.request_sent is True
    assert dropping_server.requests == 1
    assert sleeps == []


def test_read_is_retried_when_connection_drops(
    dropping_server: DroppingServer, sleeps: RecordedSleeps
) -> None:
    client = ContactsApiClient(TOKEN, api_url=dropping_server.url, retry=RetryPolicy(retries=2))
    client._transport.sleep = sleeps
    with pytest.raises(ApiConnectionError):
        client.get_contact("c1")
    assert dropping_server.requests == 3


TRUNCATED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}"


def test_truncated_answer_is_a_connection_error_and_reads_retry() -> None:
    server = DroppingServer(partial_answer=TRUNCATED)
    try:
        sleeps = RecordedSleeps()
        client = ContactsApiClient(TOKEN, api_url=server.url, retry=RetryPolicy(retries=1))
        client._transport.sleep = sleeps
        with pytest.raises(ApiConnectionError, match="the answer was cut off") as info:
            client.get_contact("c1")
        assert info.value.request_sent is True
        assert server.requests == 2
        with pytest.raises(ApiConnectionError):
            sender(sleeps, api_url=server.url + "/http_api_nostream").send_text("+27", "Hi")
        assert server.requests == 3
    finally:
        server.close()


@pytest.mark.parametrize(
    "call",
    [
        lambda c: OptOutsApiClient(TOKEN, api_url=c).set_optout("msisdn", "+27"),
        lambda c: OptOutsApiClient(TOKEN, api_url=c).delete_optout("msisdn", "+27"),
        lambda c: ContactsApiClient(TOKEN, api_url=c).delete_contact("c1"),
        lambda c: ContactsApiClient(TOKEN, api_url=c).delete_group("g1"),
    ],
    ids=["set_optout", "delete_optout", "delete_contact", "delete_group"],
)
def test_writes_whose_repeat_would_answer_differently_are_not_repeated(
    dropping_server: DroppingServer, call: Callable[[str], object]
) -> None:
    # A repeat would meet the changed state (409 or 404) and turn a success into an error.
    with pytest.raises(ApiConnectionError) as info:
        call(dropping_server.url)
    assert info.value.request_sent is True
    assert dropping_server.requests == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_send_is_retried_when_connection_is_refused(sleeps: RecordedSleeps) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1/go/http_api_nostream"
    with pytest.raises(ApiConnectionError) as info:
        sender(sleeps, api_url=url, retries=2).send_text("+27", "Hi")
    assert info.value.request_sent is False
    assert len(sleeps) == 2
    assert "could not connect" in str(info.value)
    assert url + "/conv/messages.json" in str(info.value)


def test_timeout_is_reported_with_url(sleeps: RecordedSleeps) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/v1/go"
        client = ContactsApiClient(
            TOKEN, api_url=url, timeout=Timeout(connect=1, read=0.2), retry=RetryPolicy(retries=0)
        )
        with pytest.raises(ApiTimeoutError) as info:
            client.get_contact("c1")
    assert info.value.request_sent is True
    assert f"GET {url}/contacts/c1: timed out waiting for the answer" == str(info.value)


def test_default_and_custom_timeouts_are_passed_on(mock_http: responses.RequestsMock) -> None:
    mock_http.get(f"{BASE}/contacts/c1", json={})
    ContactsApiClient(TOKEN, api_url=BASE).get_contact("c1")
    ContactsApiClient(TOKEN, api_url=BASE, timeout=2.5).get_contact("c1")
    ContactsApiClient(TOKEN, api_url=BASE, timeout=(1, 9)).get_contact("c1")
    timeouts = [getattr(call.request, "req_kwargs", {}).get("timeout") for call in mock_http.calls]
    assert timeouts == [(5.0, 30.0), (2.5, 2.5), (1, 9)]


def test_bad_timeouts_and_retry_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="timeout read must be a positive number"):
        ContactsApiClient(TOKEN, timeout=(1, 0))
    with pytest.raises(ValueError, match="retries must be 0 or more"):
        RetryPolicy(retries=-1)
