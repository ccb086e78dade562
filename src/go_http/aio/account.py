"""The account JSON-RPC API, async: :class:`AsyncAccountApiClient`."""

from __future__ import annotations

from typing import Any

from go_http import account
from go_http.aio._client import AsyncBearerClient

Records = list[dict[str, Any]]


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
        result: Records = await self._run(account.call("campaigns"))
        return result

    async def conversations(self, campaign_key: str) -> Records:
        """The campaign's active conversations."""
        result: Records = await self._run(_campaign_call("conversations", campaign_key))
        return result

    async def channels(self, campaign_key: str) -> Records:
        """The campaign's channels."""
        result: Records = await self._run(_campaign_call("channels", campaign_key))
        return result

    async def routers(self, campaign_key: str) -> Records:
        """The campaign's active routers."""
        result: Records = await self._run(_campaign_call("routers", campaign_key))
        return result

    async def routing_entries(self, campaign_key: str) -> Records:
        """The campaign's routing entries."""
        result: Records = await self._run(_campaign_call("routing_entries", campaign_key))
        return result

    async def routing_table(self, campaign_key: str) -> dict[str, Any]:
        """The campaign's routing table: channels, routers, conversations and entries."""
        result: dict[str, Any] = await self._run(_campaign_call("routing_table", campaign_key))
        return result

    async def update_routing_table(self, campaign_key: str, routing_table: dict[str, Any]) -> None:
        """Replace the campaign's routing table.

        :raises ValueError: the table is not of the right shape (nothing is sent).
        """
        table = account.check_routing_table(routing_table)
        await self._run(_campaign_call("update_routing_table", campaign_key, table))


def _campaign_call(method: str, campaign_key: str, *params: Any) -> Any:
    # The sync client builds the same call inline; the checks are the account module's.
    return account.call(method, account._campaign(campaign_key), *params)
