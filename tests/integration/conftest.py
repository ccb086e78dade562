"""The documented clients, pointed at a fresh account on the shared sandbox."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from go_http import (
    AccountApiClient,
    ContactsApiClient,
    HttpApiSender,
    MetricsApiClient,
    OptOutsApiClient,
)
from go_http.testing import SandboxAccount


@dataclass
class Clients:
    """All five clients for one sandbox account."""

    account: SandboxAccount
    rpc: AccountApiClient
    contacts: ContactsApiClient
    sender: HttpApiSender
    metrics: MetricsApiClient
    optouts: OptOutsApiClient


def clients_for(account: SandboxAccount) -> Clients:
    return Clients(
        account=account,
        rpc=AccountApiClient(account.auth_token, api_url=account.api_url),
        contacts=ContactsApiClient(account.auth_token, api_url=account.api_url),
        sender=HttpApiSender(
            account.account_key,
            account.conversation_key,
            account.conversation_token,
            api_url=account.send_url,
        ),
        metrics=MetricsApiClient(account.auth_token, api_url=account.api_url),
        optouts=OptOutsApiClient(account.auth_token, api_url=account.api_url),
    )


@pytest.fixture
def go(go_sandbox: SandboxAccount) -> Clients:
    return clients_for(go_sandbox)
