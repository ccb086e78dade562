"""What every sync client shares: attributes, transport set-up, ``repr`` and closing."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

import requests

from go_http._config import TimeoutLike
from go_http._operation import Operation, strip_base_url
from go_http._protocol import DEFAULT_API_URL
from go_http._retry import RetryPolicy
from go_http._transport import SyncTransport, bearer_authorization

T = TypeVar("T")


class SyncClient:
    """Base of the sync clients: runs operations against ``api_url``."""

    api_url: str
    session: requests.Session
    _transport: SyncTransport

    def _setup(
        self,
        authorization: str,
        api_url: str | None,
        default_url: str,
        session: requests.Session | None,
        timeout: TimeoutLike,
        retry: RetryPolicy | None,
    ) -> None:
        self.api_url = strip_base_url(api_url, default_url)
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self._transport = SyncTransport(authorization, self.session, timeout, retry)

    def _run(self, operation: Operation[T]) -> T:
        return self._transport.run(operation, self.api_url)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} api_url={self.api_url!r}>"

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


class BearerClient(SyncClient):
    """Base of the clients authenticated with an account's bearer token.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: a ``requests.Session`` to use (default: a new one).
    :param timeout: seconds to wait: a :class:`go_http.Timeout`, a number, or a
        ``(connect, read)`` pair (default 5 s to connect, 30 s per read).
    :param retry: a :class:`go_http.RetryPolicy` (default: 3 retries with backoff);
        ``RetryPolicy(retries=0)`` disables retrying.
    """

    def __init__(
        self,
        auth_token: str,
        api_url: str | None = None,
        session: requests.Session | None = None,
        *,
        timeout: TimeoutLike = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.auth_token = auth_token
        self._setup(
            bearer_authorization(auth_token), api_url, DEFAULT_API_URL, session, timeout, retry
        )
