"""The opt-outs API, async: :class:`AsyncOptOutsApiClient`."""

from __future__ import annotations

from go_http import optouts
from go_http.aio._client import AsyncBearerClient
from go_http.optouts import OptOut


class AsyncOptOutsApiClient(AsyncBearerClient):
    """Async client for the opt-outs API; see :class:`go_http.OptOutsApiClient`.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: an ``aiohttp.ClientSession`` (default: one created on first use).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    """

    async def count(self) -> int:
        """The number of opt-outs in the account, all address types together."""
        return await self._run(optouts.count())

    async def get_optout(self, address_type: str, address: str) -> OptOut | None:
        """The opt-out record for an address, or ``None`` if it has not opted out."""
        return await self._run(optouts.get_optout(address_type, address))

    async def set_optout(self, address_type: str, address: str) -> OptOut:
        """Opt an address out and return the new record.

        :raises ConflictError: the address had already opted out.
        """
        return await self._run(optouts.set_optout(address_type, address))

    async def delete_optout(self, address_type: str, address: str) -> OptOut | None:
        """Lift an opt-out; returns the deleted record, or ``None`` if there was none."""
        return await self._run(optouts.delete_optout(address_type, address))
