"""Metrics API (spec §6): store samples, parse Graphite times, bucket and aggregate."""

from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from go_http._protocol import metric_aggregator
from go_http.sandbox.pyrepr import py2_repr, py2_type
from go_http.sandbox.toolkit import (
    ToolkitError,
    guarded,
    json_body,
    method_not_allowed,
    owner,
)
from go_http.sandbox.web import json_response, query_value, sandbox_of

_UNITS: dict[str, int] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1),
    (("min", "mins", "minute", "minutes"), 60),
    (("h", "hour", "hours"), 3600),
    (("d", "day", "days"), 86400),
    (("w", "week", "weeks"), 7 * 86400),
    (("mon", "month", "months"), 30 * 86400),
    (("y", "year", "years"), 365 * 86400),
):
    for _name in _names:
        _UNITS[_name] = _seconds

_SPAN = re.compile(r"^(\d+)([a-z]+)$")
_OFFSET = re.compile(r"^([+-])(\d+)([a-z]+)$")
_CLOCK_DATE = re.compile(r"^(\d{1,2}):(\d{2})_(\d{8})$")
_NAME_PART = re.compile(r"^[^\s.]+$")


def metric_value(value: Any) -> float | None:
    """What Python ``float()`` makes of a JSON value (numbers, numeric strings, booleans),
    or ``None`` when it is not convertible or not finite."""
    if isinstance(value, bool | int | float | str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def valid_metric_stem(name: str) -> bool:
    """A metric name (without aggregator) is dot-separated non-empty parts, no spaces."""
    return all(_NAME_PART.match(part) for part in name.split("."))


def store_samples(
    conn: sqlite3.Connection, account_key: str, samples: Iterable[tuple[str, float]]
) -> None:
    """Record samples timestamped now.

    :param conn: a connection inside a write transaction.
    :param str account_key: the owner.
    :param samples: ``(full name with aggregator, value)`` pairs.
    """
    now = time.time()
    conn.executemany(
        "INSERT INTO metric_samples (account_key, name, value, ts) VALUES (?, ?, ?, ?)",
        [(account_key, name, value, now) for name, value in samples],
    )


# -- time parsing ---------------------------------------------------------------------------


def parse_span(text: str) -> int:
    """Seconds in an interval such as ``1hour``, ``5min`` or ``30d``.

    :raises ValueError: not ``<count><unit>`` or zero.
    """
    match = _SPAN.match(text.strip().lower())
    if not match or match.group(2) not in _UNITS or int(match.group(1)) == 0:
        raise ValueError(text)
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_time(text: str, now: float) -> float:
    """A Graphite-style time as unix seconds (UTC).

    Accepts ``now``, ``today``, ``yesterday``, ``tomorrow``, ``-<count><unit>`` (or ``+``),
    ``HH:MM_YYYYMMDD``, ``YYYYMMDD`` and unix seconds.

    :param str text: the parameter value.
    :param float now: the current time.
    :raises ValueError: unparsable.
    """
    value = text.strip().lower()
    midnight = dt.datetime.fromtimestamp(now, dt.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    days = {"today": 0, "yesterday": -1, "tomorrow": 1}
    if value == "now":
        return now
    if value in days:
        return (midnight + dt.timedelta(days=days[value])).timestamp()
    offset = _OFFSET.match(value)
    if offset and offset.group(3) in _UNITS:
        seconds = int(offset.group(2)) * _UNITS[offset.group(3)]
        return now + seconds if offset.group(1) == "+" else now - seconds
    clock = _CLOCK_DATE.match(value)
    if clock:
        day = dt.datetime.strptime(clock.group(3), "%Y%m%d")
        moment = day.replace(hour=int(clock.group(1)), minute=int(clock.group(2)))
        return moment.replace(tzinfo=dt.timezone.utc).timestamp()
    if value.isdigit():
        # Graphite's rule: eight digits that look like a date are a date.
        if len(value) == 8 and int(value[:4]) > 1900 and 0 < int(value[4:6]) < 13:
            day = dt.datetime.strptime(value, "%Y%m%d")
            return day.replace(tzinfo=dt.timezone.utc).timestamp()
        return float(value)
    raise ValueError(text)


# -- aggregation ----------------------------------------------------------------------------

_AGGREGATE: dict[str, Callable[[Sequence[float]], float]] = {
    "sum": math.fsum,
    "avg": lambda values: math.fsum(values) / len(values),
    "max": max,
    "min": min,
    "last": lambda values: values[-1],
}


def summarize(
    samples: Iterable[tuple[float, float]],
    start: float,
    end: float,
    interval: int,
    aggregator: str,
    align_to_from: bool,
) -> list[tuple[int, float | None]]:
    """Graphite ``summarize()``: one ``(bucket start, value)`` per interval.

    Buckets start at multiples of ``interval`` (or at ``start`` when ``align_to_from``),
    cover ``start``..``end`` and hold ``None`` where no sample fell.

    :param samples: ``(timestamp, value)`` pairs in time order.
    :param float start: ``from`` in unix seconds.
    :param float end: ``until`` in unix seconds.
    :param int interval: bucket width in seconds.
    :param str aggregator: one of the aggregators.
    :param bool align_to_from: align buckets to ``start`` instead of the interval grid.
    """
    first = int(start) if align_to_from else int(start) - int(start) % interval
    last = int(end) if align_to_from else int(end) - int(end) % interval + 1
    starts = list(range(first, max(last, first + 1), interval))
    grouped: dict[int, list[float]] = {}
    for ts, value in samples:
        bucket = first + (int(ts) - first) // interval * interval
        grouped.setdefault(bucket, []).append(value)
    return [
        (bucket, _AGGREGATE[aggregator](grouped[bucket]) if bucket in grouped else None)
        for bucket in starts
    ]


_NULLS: dict[str, Callable[[list[dict[str, Any]]], list[dict[str, Any]]]] = {
    "zeroize": lambda pts: [{"x": p["x"], "y": 0.0 if p["y"] is None else p["y"]} for p in pts],
    "omit": lambda pts: [p for p in pts if p["y"] is not None],
    "keep": lambda pts: pts,
}


def _read_series(
    store_and_query: tuple[Any, str, list[str], float, float],
) -> dict[str, list[tuple[float, float]] | None]:
    store, account_key, names, start, end = store_and_query
    found: dict[str, list[tuple[float, float]] | None] = {}
    with store.read() as conn:
        for name in names:
            known = conn.execute(
                "SELECT 1 FROM metric_samples WHERE account_key = ? AND name = ? LIMIT 1",
                (account_key, name),
            ).fetchone()
            rows = conn.execute(
                "SELECT ts, value FROM metric_samples WHERE account_key = ? AND name = ?"
                " AND ts >= ? AND ts <= ? ORDER BY ts, id",
                (account_key, name, start, end),
            ).fetchall()
            found[name] = [(r["ts"], r["value"]) for r in rows] if known else None
    return found


def _aggregator_of(name: str) -> str:
    aggregator = metric_aggregator(name)
    if aggregator is None:
        raise ToolkitError(
            400, f"Aggregator '{name.rsplit('.', 1)[-1]}' is not a valid aggregator"
        )
    return aggregator


#: The times a ``from``/``until`` may name: years 1 to 9999 (what a datetime can hold).
EARLIEST = dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc).timestamp()
LATEST = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc).timestamp()


def _time_param(request: Request, name: str, default: str, now: float) -> float:
    raw = query_value(request, name) or default
    try:
        moment = parse_time(raw, now)
        # Huge unix seconds parse to inf (or 1e30): refused like any unparsable time.
        if not EARLIEST <= moment <= LATEST:
            raise ValueError(raw)
        return moment
    except (ValueError, OverflowError, OSError) as exc:
        raise ToolkitError(
            400,
            f"Invalid '{name}' value {raw!r}: expected now, today, yesterday, tomorrow, "
            "-<count><unit>, HH:MM_YYYYMMDD, YYYYMMDD or unix seconds",
        ) from exc


async def _get(request: Request, account_key: str) -> Response:
    names = [value.strip() for value in request.query_params.getlist("m")]
    aggregators = {name: _aggregator_of(name) for name in names}
    nulls = query_value(request, "nulls") or "zeroize"
    if nulls not in _NULLS:
        raise ToolkitError(400, f"Unrecognised null parser '{nulls}'")
    now = time.time()
    start = _time_param(request, "from", "-24h", now)
    end = _time_param(request, "until", "-0s", now)
    raw_interval = query_value(request, "interval") or "1hour"
    try:
        interval = parse_span(raw_interval)
        # Wider than any range: the bucket arithmetic would overflow a float.
        if interval > LATEST - EARLIEST:
            raise ValueError(raw_interval)
    except ValueError as exc:
        raise ToolkitError(
            400, f"Invalid 'interval' value {raw_interval!r}: expected <count><unit>, e.g. 1hour"
        ) from exc
    limit = sandbox_of(request).config.metrics_max_response_size
    points = int(abs(end - start) // interval) * max(1, len(names))
    if points > limit:
        raise ToolkitError(400, f"{points} data points requested, maximum allowed is {limit}")
    align = (query_value(request, "align_to_from") or "").lower() == "true"
    store = sandbox_of(request).store
    series = await run_in_threadpool(_read_series, (store, account_key, names, start, end))
    result: dict[str, list[dict[str, Any]]] = {}
    for name, samples in series.items():
        if samples is None:
            continue  # never written: absent, as Graphite leaves unknown series out
        buckets = summarize(samples, start, end, interval, aggregators[name], align)
        result[name] = _NULLS[nulls]([{"x": ts * 1000, "y": value} for ts, value in buckets])
    return json_response(result)


def parse_fired_metrics(payload: Any) -> list[dict[str, Any]]:
    """Validate a ``POST /metrics/`` body into the list the API answers with.

    :raises ToolkitError: 400 for the first invalid entry (nothing is stored then).
    """
    if not isinstance(payload, dict):
        raise ToolkitError(
            400, f"Invalid query {py2_repr(payload)}, should be dict, not {py2_type(payload)}"
        )
    fired = []
    for name, value in payload.items():
        aggregator = _aggregator_of(name)
        if not valid_metric_stem(name):
            raise ToolkitError(400, f"Invalid metric name {py2_repr(name)}")
        number = metric_value(value)
        if number is None:
            raise ToolkitError(
                400,
                f"{py2_repr(value)} is not a valid metric value,should be a floating point number",
            )
        fired.append({"name": name, "value": number, "aggregator": aggregator})
    return fired


def _store_fired(request_data: tuple[Any, str, list[dict[str, Any]]]) -> None:
    store, account_key, fired = request_data
    with store.write() as conn:
        store_samples(conn, account_key, ((item["name"], item["value"]) for item in fired))


async def _post(request: Request, account_key: str) -> Response:
    fired = parse_fired_metrics(await json_body(request))
    store = sandbox_of(request).store
    await run_in_threadpool(_store_fired, (store, account_key, fired))
    return json_response(fired)


@guarded(lambda request: "Failed to retrieve metrics.")
async def metrics_endpoint(request: Request) -> Response:
    """``GET|POST /metrics/``."""
    if request.method not in ("GET", "HEAD", "POST"):
        return method_not_allowed()
    account_key = await owner(request)
    if request.method == "POST":
        return await _post(request, account_key)
    return await _get(request, account_key)
