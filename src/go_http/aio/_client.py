"""What every async client shares: the transport, the session's lifetime, ``async with``."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

import aiohttp

from go_http._async_transport import AsyncTransport
from go_http._client import BearerAuth, ClientBase
from go_http._operation import Operation

T = TypeVar("T")
C = TypeVar("C", bound="AsyncClient")


class AsyncClient(ClientBase[aiohttp.ClientSession]):
    """Base of the async clients: runs operations against ``api_url``.

    Without a ``session`` the client creates one on its first request, inside the running
    event loop; :meth:`close` (or leaving ``async with``) closes it.  A client, like an
    ``aiohttp.ClientSession``, belongs to one event loop.
    """

    _transport: AsyncTransport

    def _connect(self, authorization: str, session: aiohttp.ClientSession | None) -> None:
        self._transport = AsyncTransport(authorization, session, self.timeout, self.retry)

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The ``aiohttp.ClientSession`` in use (``None`` until the first request when the
        client creates its own)."""
        return self._transport.session

    async def _run(self, operation: Operation[T]) -> T:
        return await self._transport.run(operation, self.api_url)

    async def close(self) -> None:
        """Close the session if this client created it."""
        await self._transport.close()

    async def __aenter__(self: C) -> C:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class AsyncBearerClient(BearerAuth[aiohttp.ClientSession], AsyncClient):
    """Base of the async clients authenticated with an account's bearer token.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: an ``aiohttp.ClientSession`` (default: one created on first use).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    """
