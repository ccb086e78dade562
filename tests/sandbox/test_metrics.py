"""Metrics API (spec §6) over the wire, plus the pure time/bucket helpers."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import requests

from go_http.sandbox.metrics import parse_span, parse_time, summarize
from tests.sandbox.conftest import Wire


def _error(response: requests.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"status_code": status, "reason": reason}


def test_post_then_get_round_trip(wire: Wire) -> None:
    posted = wire.api(
        "POST",
        "/metrics/",
        json={"stores.default.answers.sum": 1, "stores.default.depth.last": "42.5"},
    )
    assert posted.status_code == 200
    assert sorted(posted.json(), key=lambda m: str(m["name"])) == [
        {"name": "stores.default.answers.sum", "value": 1.0, "aggregator": "sum"},
        {"name": "stores.default.depth.last", "value": 42.5, "aggregator": "last"},
    ]
    wire.api(
        "POST", "/metrics/", json={"stores.default.answers.sum": 2, "stores.default.depth.last": 7}
    )
    got = wire.api(
        "GET",
        "/metrics/",
        params={"m": ["stores.default.answers.sum", "stores.default.depth.last"],
                "from": "-3h", "interval": "1h"},
    )  # fmt: skip
    assert got.status_code == 200
    body = got.json()
    answers = body["stores.default.answers.sum"]
    # Three hours back at 1-hour buckets aligned to the hour: 3 or 4 buckets, the last
    # holding this hour's sum; earlier empty buckets are zeroized.
    assert len(answers) in (3, 4)
    assert [p["y"] for p in answers[:-1]] == [0.0] * (len(answers) - 1)
    assert answers[-1]["y"] == 3.0
    assert body["stores.default.depth.last"][-1]["y"] == 7.0
    xs = [p["x"] for p in answers]
    assert all(isinstance(x, int) and x % 3_600_000 == 0 for x in xs)
    assert xs == sorted(xs)


def test_nulls_modes(wire: Wire) -> None:
    wire.api("POST", "/metrics/", json={"stores.s.x.max": 5})
    base: dict[str, Any] = {"m": "stores.s.x.max", "from": "-5min", "interval": "1min"}
    keep = wire.api("GET", "/metrics/", params={**base, "nulls": "keep"}).json()["stores.s.x.max"]
    omit = wire.api("GET", "/metrics/", params={**base, "nulls": "omit"}).json()["stores.s.x.max"]
    zero = wire.api("GET", "/metrics/", params=base).json()["stores.s.x.max"]
    assert None in [p["y"] for p in keep]
    assert [p["y"] for p in omit] == [5.0]
    assert len(zero) == len(keep)
    assert [p["y"] for p in zero] == [0.0 if p["y"] is None else p["y"] for p in keep]
    _error(wire.api("GET", "/metrics/", params={**base, "nulls": "drop"}), 400,
           "Unrecognised null parser 'drop'")  # fmt: skip


def test_unknown_names_are_absent_and_empty_m_is_empty(wire: Wire) -> None:
    assert wire.api("GET", "/metrics/").json() == {}
    assert wire.api("GET", "/metrics/", params={"m": "stores.default.none.sum"}).json() == {}


def test_errors(wire: Wire) -> None:
    _error(wire.api("GET", "/metrics/", params={"m": "stores.default.x.median"}), 400,
           "Aggregator 'median' is not a valid aggregator")  # fmt: skip
    _error(wire.api("GET", "/metrics/", params={"m": "x.sum", "from": "-30d", "interval": "1min"}),
           400, "43200 data points requested, maximum allowed is 10000")  # fmt: skip
    for params in ({"from": "whenever"}, {"until": "-3fortnights"}, {"interval": "often"},
                   {"interval": "0h"}):  # fmt: skip
        response = wire.api("GET", "/metrics/", params={"m": "a.sum", **params})
        assert response.status_code == 400
        assert "Invalid" in response.json()["reason"]
    cases: list[tuple[Any, str]] = [
        ([1, 2], "Invalid query [1, 2], should be dict, not <type 'list'>"),
        ({"foo": 1}, "Aggregator 'foo' is not a valid aggregator"),
        ({"a.b.foo": 1}, "Aggregator 'foo' is not a valid aggregator"),
        ({"a.sum": "bar"}, "u'bar' is not a valid metric value,should be a floating point number"),
        ({"a.sum": None}, "None is not a valid metric value,should be a floating point number"),
    ]
    for body, reason in cases:
        _error(wire.api("POST", "/metrics/", json={"ok.sum": 1, **body} if isinstance(body, dict)
                        else body), 400, reason)  # fmt: skip
    bad_json = wire.api("POST", "/metrics/", data=b"{")
    assert bad_json.status_code == 400
    assert bad_json.json()["reason"].startswith("Invalid JSON: ")
    # All-or-nothing: the valid entry posted beside each bad one was not stored.
    assert wire.api("GET", "/metrics/", params={"m": "ok.sum", "from": "-1h"}).json() == {}
    assert wire.api("POST", "/metrics/", json={}).json() == []
    _error(wire.api("PUT", "/metrics/"), 405, "Method Not Allowed")
    _error(requests.get(f"{wire.account.api_url}/metrics/", timeout=10), 401, "Unauthorized")


def test_time_formats() -> None:
    now = dt.datetime(2016, 3, 22, 11, 50, tzinfo=dt.timezone.utc).timestamp()
    day = dt.datetime(2016, 3, 22, tzinfo=dt.timezone.utc).timestamp()
    assert parse_time("now", now) == now
    assert parse_time("-1h", now) == now - 3600
    assert parse_time("-30d", now) == now - 30 * 86400
    assert parse_time("-0s", now) == now
    assert parse_time("today", now) == day
    assert parse_time("yesterday", now) == day - 86400
    assert parse_time("tomorrow", now) == day + 86400
    assert parse_time("20160322", now) == day
    assert parse_time("09:30_20160322", now) == day + 9.5 * 3600
    assert parse_time("1458604800", now) == 1458604800.0
    for bad in ("soon", "-1parsec", "25:00_20160322", ""):
        with pytest.raises(ValueError):  # noqa: PT011 - the parser's contract is ValueError
            parse_time(bad, now)
    assert parse_span("1hour") == parse_span("1h") == 3600
    assert parse_span("2mon") == 60 * 86400
    assert parse_span("1y") == 365 * 86400


def test_summarize_aggregators_and_alignment() -> None:
    samples = [(3600.0 + 10, 1.0), (3600.0 + 20, 5.0), (7200.0 + 1, 2.0)]
    by_agg = {
        agg: [v for _, v in summarize(samples, 3000, 7300, 3600, agg, False)]
        for agg in ("sum", "avg", "max", "min", "last")
    }
    # Buckets start at 0, 3600, 7200 (aligned to the interval, not to 'from').
    assert by_agg == {
        "sum": [None, 6.0, 2.0],
        "avg": [None, 3.0, 2.0],
        "max": [None, 5.0, 2.0],
        "min": [None, 1.0, 2.0],
        "last": [None, 5.0, 2.0],
    }
    aligned = summarize(samples, 3000, 7300, 3600, "sum", True)
    assert aligned == [(3000, 6.0), (6600, 2.0)]


def test_metrics_are_per_account(wire: Wire, other: Wire) -> None:
    wire.api("POST", "/metrics/", json={"stores.default.mine.sum": 1})
    params = {"m": "stores.default.mine.sum", "from": "-1h"}
    assert other.api("GET", "/metrics/", params=params).json() == {}
    assert "stores.default.mine.sum" in wire.api("GET", "/metrics/", params=params).json()


def test_clock_is_utc_now() -> None:
    assert abs(parse_time("now", time.time()) - time.time()) < 5
