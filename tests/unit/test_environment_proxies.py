"""Proxies from the environment are honoured by sync and async clients alike."""

from __future__ import annotations

import pytest

from go_http import ContactsApiClient, RetryPolicy
from go_http.aio import AsyncContactsApiClient
from go_http.exceptions import ApiConnectionError
from tests.unit.recording_server import RecordingServer, recorder  # noqa: F401

TARGET = "http://go.invalid/api/v1/go"
TOKEN = "proxy-test-token"


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch, recorder: RecordingServer) -> RecordingServer:  # noqa: F811
    proxy = recorder.url.split("/api/")[0]
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    return recorder


def test_sync_client_goes_through_the_environment_proxy(proxy_env: RecordingServer) -> None:
    ContactsApiClient(TOKEN, api_url=TARGET).get_contact("c1")
    (request,) = proxy_env.requests
    assert request.path == f"{TARGET}/contacts/c1"
    assert request.authorization == f"Bearer {TOKEN}"


async def test_async_client_goes_through_the_environment_proxy(
    proxy_env: RecordingServer,
) -> None:
    async with AsyncContactsApiClient(TOKEN, api_url=TARGET) as client:
        await client.get_contact("c1")
    (request,) = proxy_env.requests
    assert request.path == f"{TARGET}/contacts/c1"
    assert request.authorization == f"Bearer {TOKEN}"


def test_no_proxy_bypasses_the_proxy(
    proxy_env: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "go.invalid")
    client = ContactsApiClient(TOKEN, api_url=TARGET, retry=RetryPolicy(retries=0))
    with pytest.raises(ApiConnectionError):
        client.get_contact("c1")
    assert proxy_env.requests == []
