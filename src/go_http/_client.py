"""What every client shares, sync or async: attributes, set-up, ``repr``.

The attribute set-up of a client (``auth_token``, ``api_url``, ``timeout``, ``retry``,
and for senders the conversation credentials) is written once here; :class:`SyncClient`
and the async ``AsyncClient`` differ only in the transport they build.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Generic, TypeVar

import requests

from go_http._config import Timeout, TimeoutLike, as_timeout
from go_http._operation import Operation, ensure_text, redact_url, strip_base_url
from go_http._protocol import DEFAULT_API_URL, DEFAULT_SEND_URL
from go_http._retry import RetryPolicy
from go_http._transport import (
    SyncTransport,
    basic_authorization,
    bearer_authorization,
    new_session,
)

T = TypeVar("T")
#: The session type of a client: ``requests.Session`` or ``aiohttp.ClientSession``.
S = TypeVar("S")


class ClientBase(ABC, Generic[S]):
    """The settings every client keeps, whatever its transport."""

    api_url: str
    timeout: Timeout
    retry: RetryPolicy

    def _setup(
        self,
        authorization: str,
        api_url: str | None,
        default_url: str,
        session: S | None,
        timeout: TimeoutLike,
        retry: RetryPolicy | None,
    ) -> None:
        self.api_url = strip_base_url(api_url, default_url)
        self.timeout = as_timeout(timeout)
        self.retry = retry if retry is not None else RetryPolicy()
        self._connect(authorization, session)

    @abstractmethod
    def _connect(self, authorization: str, session: S | None) -> None:
        """Build the transport (and the session when the caller gave none)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} api_url={redact_url(self.api_url)!r}>"


class BearerAuth(ClientBase[S]):
    """The constructor of the clients authenticated with an account's bearer token.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: the HTTP session to use (default: a new one).
    :param timeout: seconds to wait: a :class:`go_http.Timeout`, a number, or a
        ``(connect, read)`` pair (default 5 s to connect, 30 s per read).
    :param retry: a :class:`go_http.RetryPolicy` (default: 3 retries with backoff);
        ``RetryPolicy(retries=0)`` disables retrying.
    """

    def __init__(
        self,
        auth_token: str,
        api_url: str | None = None,
        session: S | None = None,
        *,
        timeout: TimeoutLike = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.auth_token = auth_token
        self._setup(
            bearer_authorization(auth_token), api_url, DEFAULT_API_URL, session, timeout, retry
        )


class SenderAuth(ClientBase[S]):
    """The constructor of the conversation-API senders (HTTP Basic auth).

    :param str account_key: the account key (the Basic-auth user name).
    :param str conversation_key: the conversation to send through.
    :param str conversation_token: the conversation's API token (the password).
    :param str api_url: the base URL (default
        ``https://go.vumi.org/api/v1/go/http_api_nostream``).
    :param session: the HTTP session to use (default: a new one).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`; a send is only retried where the
        server provably did not act on it.
    """

    def __init__(
        self,
        account_key: str,
        conversation_key: str,
        conversation_token: str,
        api_url: str | None = None,
        session: S | None = None,
        *,
        timeout: TimeoutLike = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.account_key = account_key
        self.conversation_key = ensure_text(conversation_key, "conversation_key")
        self.conversation_token = conversation_token
        authorization = basic_authorization(account_key, conversation_token)
        self._setup(authorization, api_url, DEFAULT_SEND_URL, session, timeout, retry)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} api_url={redact_url(self.api_url)!r} "
            f"account_key={self.account_key!r} conversation_key={self.conversation_key!r}>"
        )


class SyncClient(ClientBase[requests.Session]):
    """Base of the sync clients: runs operations against ``api_url``."""

    session: requests.Session
    _transport: SyncTransport

    def _connect(self, authorization: str, session: requests.Session | None) -> None:
        self._owns_session = session is None
        self.session = session if session is not None else new_session(self.api_url)
        self._transport = SyncTransport(authorization, self.session, self.timeout, self.retry)

    def _run(self, operation: Operation[T]) -> T:
        return self._transport.run(operation, self.api_url)

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self.session.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class BearerClient(BearerAuth[requests.Session], SyncClient):
    """Base of the sync clients authenticated with an account's bearer token.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: a ``requests.Session`` to use (default: a new one).
    :param timeout: seconds to wait: a :class:`go_http.Timeout`, a number, or a
        ``(connect, read)`` pair (default 5 s to connect, 30 s per read).
    :param retry: a :class:`go_http.RetryPolicy` (default: 3 retries with backoff);
        ``RetryPolicy(retries=0)`` disables retrying.
    """
