"""The metrics API, async: :class:`AsyncMetricsApiClient`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from go_http import metrics
from go_http.aio._client import AsyncBearerClient


class AsyncMetricsApiClient(AsyncBearerClient):
    """Async client for the metrics API; see :class:`go_http.MetricsApiClient`.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: an ``aiohttp.ClientSession`` (default: one created on first use).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    """

    async def fire(self, metrics_to_fire: Mapping[str, float]) -> list[dict[str, Any]]:
        """Fire one or more metrics (``{"stores.default.pings.sum": 1}``).

        :raises ValueError: a name has no aggregator or a value is not a number.
        """
        return await self._run(metrics.fire(metrics_to_fire))

    async def get_metric(
        self, metric: str, start: str, interval: str, nulls: str, end: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Read a metric's series: ``{metric: [{"x": ms, "y": value}, ...]}``."""
        return await self._run(metrics.get_metric(metric, start, interval, nulls, end))
