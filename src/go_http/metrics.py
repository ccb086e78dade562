"""The metrics API: operations and the sync :class:`MetricsApiClient`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from go_http._client import BearerClient
from go_http._operation import ApiRequest, Operation, ensure_text, one_of, parse_json, query
from go_http._protocol import AGGREGATORS, metric_aggregator

#: How missing points are reported by :meth:`MetricsApiClient.get_metric`.
NULLS_MODES = ("zeroize", "omit", "keep")


def check_metric_name(name: object) -> str:
    """Check that a metric name ends in one of the five aggregators."""
    if not isinstance(name, str) or metric_aggregator(name) is None:
        raise ValueError(
            f"metric name {name!r} must end in one of "
            + ", ".join(f".{agg}" for agg in AGGREGATORS)
        )
    return name


def check_metric_value(name: str, value: object) -> float:
    """Check that a metric value is a finite number (JSON has no NaN or infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"value of metric {name!r} must be a finite number, got {value!r}")
    return float(value)


def fire(metrics: Mapping[str, float]) -> Operation[list[dict[str, Any]]]:
    """Fire metrics: ``{"stores.default.pings.sum": 1}``."""
    if not isinstance(metrics, Mapping):
        raise TypeError(f"metrics must be a dict of name -> number, not {type(metrics).__name__}")
    body = {check_metric_name(n): check_metric_value(n, v) for n, v in metrics.items()}
    return Operation(ApiRequest("POST", "metrics/", body=body, idempotent=False), parse_json)


def get_metric(
    metric: str, start: str, interval: str, nulls: str, end: str | None = None
) -> Operation[dict[str, list[dict[str, Any]]]]:
    params = query(
        m=check_metric_name(metric),
        **{"from": ensure_text(start, "start")},
        interval=ensure_text(interval, "interval"),
        nulls=one_of(nulls, NULLS_MODES, "nulls"),
        until=end,
    )
    return Operation(ApiRequest("GET", "metrics/", params), parse_json)


class MetricsApiClient(BearerClient):
    """Client for the metrics API.

    :param str auth_token: the account's API token.
    :param str api_url: the base URL (default ``https://go.vumi.org/api/v1/go``).
    :param session: a ``requests.Session`` (default: a new one).
    :param timeout: see :class:`go_http.Timeout`.
    :param retry: see :class:`go_http.RetryPolicy`.
    """

    def fire(self, metrics: Mapping[str, float]) -> list[dict[str, Any]]:
        """Fire one or more metrics; returns what the server recorded.

        :param dict metrics: metric name -> value; each name ends in ``.avg``, ``.sum``,
            ``.max``, ``.min`` or ``.last``, e.g. ``{"stores.default.pings.sum": 1}``.
        :raises ValueError: a name has no aggregator or a value is not a number.
        """
        return self._run(fire(metrics))

    def get_metric(
        self, metric: str, start: str, interval: str, nulls: str, end: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Read a metric's series: ``{metric: [{"x": ms, "y": value}, ...]}``.

        :param str metric: the full name, e.g. ``stores.default.pings.sum``.
        :param str start: the start, e.g. ``-30d`` or ``20260101``.
        :param str interval: the bucket size, e.g. ``1d`` or ``1hour``.
        :param str nulls: ``zeroize``, ``omit`` or ``keep``.
        :param str end: the end (default: now).
        """
        return self._run(get_metric(metric, start, interval, nulls, end))
