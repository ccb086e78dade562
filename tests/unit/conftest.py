"""Fixtures for unit tests: a mocked ``requests`` transport and recorded sleeps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses

BASE = "http://go.test/api/v1/go"
SEND_BASE = f"{BASE}/http_api_nostream"
TOKEN = "tok-SECRET-5f3a9c"
ACCOUNT = "acc-key-1"
CONVERSATION = "conv-key-1"
CONVERSATION_TOKEN = "conv-SECRET-77e1"


@pytest.fixture
def mock_http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


class RecordedSleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


def body_of(call: Any) -> Any:
    """The JSON body a recorded call sent (``None`` when it sent no body at all)."""
    body = call.request.body
    if body is None:
        return None
    return json.loads(body)
