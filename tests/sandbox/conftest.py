"""Shared helpers for the sandbox wire tests (plain ``requests`` over loopback)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from go_http.testing import SandboxAccount


class Wire:
    """Raw HTTP access to one sandbox account, with its credentials at hand.

    :param SandboxAccount account: the account to talk as.
    """

    def __init__(self, account: SandboxAccount) -> None:
        self.account = account
        self.http = requests.Session()

    @property
    def bearer(self) -> dict[str, str]:
        """The bearer ``Authorization`` header of the account."""
        return {"Authorization": f"Bearer {self.account.auth_token}"}

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A bearer-authenticated request below ``api_url``."""
        headers = {**self.bearer, **kwargs.pop("headers", {})}
        return self.http.request(
            method, f"{self.account.api_url}{path}", headers=headers, timeout=10, **kwargs
        )

    def send(self, payload: Any, what: str = "messages.json", **kwargs: Any) -> requests.Response:
        """``PUT`` to the account's conversation with its Basic credentials."""
        kwargs.setdefault("auth", (self.account.account_key, self.account.conversation_token))
        url = f"{self.account.send_url}/{self.account.conversation_key}/{what}"
        return self.http.put(url, json=payload, timeout=10, **kwargs)

    def rpc(self, method: str, params: Any, **envelope: Any) -> Any:
        """A JSON-RPC call; returns the decoded body (HTTP status asserted 200)."""
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params, **envelope}
        response = self.api("POST", "/api/", json=body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def wire(go_sandbox: SandboxAccount) -> Wire:
    """Raw access to a fresh account on the shared sandbox."""
    return Wire(go_sandbox)


@pytest.fixture
def other(go_sandbox: SandboxAccount) -> Wire:
    """Raw access to a second, unrelated account on the same sandbox."""
    return Wire(go_sandbox.add_account())
