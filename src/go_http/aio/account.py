"""The account JSON-RPC API, async: :class:`AsyncAccountApiClient`."""

from __future__ import annotations

from typing import Any

from go_http import account
from go_http.aio._client import AsyncBearerClient

Records = account.Records


class AsyncAccountApiClient(AsyncBearerClient):
    """Async client for the account JSON-RPC API; see :class:`go_http.AccountApiClient`.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: an ``aiohttp.ClientSession`` (default: one created on first use).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    :raises JsonRpcException: from every method, when the server returns an error.
    """

    async def campaigns(self) -> Records:
        """The campaigns (accounts) this token can use: ``[{"key", "name"}]``."""
        return await self._run(account.campaigns())

    async def conversations(self, campaign_key: str) -> Records:
        """The campaign's active conversations."""
        return await self._run(account.conversations(campaign_key))

    async def channels(self, campaign_key: str) -> Records:
        """The campaign's channels."""
        return await self._run(account.channels(campaign_key))

    async def routers(self, campaign_key: str) -> Records:
        """The campaign's active routers."""
        return await self._run(account.routers(campaign_key))

    async def routing_entries(self, campaign_key: str) -> Records:
        """The campaign's routing entries."""
        return await self._run(account.routing_entries(campaign_key))

    async def routing_table(self, campaign_key: str) -> dict[str, Any]:
        """The campaign's routing table: channels, routers, conversations and entries."""
        return await self._run(account.routing_table(campaign_key))

    async def update_routing_table(self, campaign_key: str, routing_table: dict[str, Any]) -> None:
        """Replace the campaign's routing table.

        :raises ValueError: the table is not of the right shape (nothing is sent).
        """
        await self._run(account.update_routing_table(campaign_key, routing_table))
