"""``go-http metrics``: fire metrics and chart a metric's series."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from typing import Any

import click

from go_http.cli.chart import line_chart
from go_http.cli.state import CliState, output_options, pass_state
from go_http.metrics import NULLS_MODES


@click.group()
def metrics() -> None:
    """Fire account metrics and read them back."""


@metrics.command(
    "fire",
    epilog="""\b
Examples:
  go-http metrics fire stores.default.pings.sum 1
  go-http metrics fire stores.default.queue_depth.last 42.5
""",
)
@click.argument("name")
@click.argument("value", type=float)
@output_options
@pass_state
def fire(state: CliState, name: str, value: float) -> None:
    """Fire metric NAME (ending in .sum, .avg, .max, .min or .last) with VALUE."""
    with state.metrics() as client:
        fired = client.fire({name: value})
    state.output.result(fired, f"Fired {name} = {value:g}")


def point_time(milliseconds: float) -> dt.datetime:
    """A point's ``x`` (ms since the epoch) as a UTC moment."""
    return dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.timezone.utc)


def time_label(moment: dt.datetime, span: dt.timedelta) -> str:
    """A short label: time of day for spans under two days, else the date."""
    return moment.strftime("%H:%M" if span < dt.timedelta(days=2) else "%m-%d")


def write_csv(path: str, series: dict[str, list[dict[str, Any]]]) -> None:
    """Write ``metric,time,x,y`` rows (``-`` for stdout)."""
    with click.open_file(path, "w", encoding="utf-8", lazy=False) as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["metric", "time", "x", "y"])
        for name, points in series.items():
            for point in points:
                moment = point_time(point["x"]).isoformat()
                writer.writerow(
                    [name, moment, point["x"], "" if point["y"] is None else point["y"]]
                )


@metrics.command(
    "get",
    epilog="""\b
Examples:
  go-http metrics get stores.default.pings.sum --from -24h --interval 1h
  go-http metrics get stores.default.pings.sum --from -7d --interval 1d --csv pings.csv
  go-http metrics get stores.default.pings.sum --json
""",
)
@click.argument("name")
@click.option("--from", "start", default="-24h", show_default=True, help="Start, e.g. -7d.")
@click.option("--until", "end", help="End (default: now).")
@click.option("--interval", default="1h", show_default=True, help="Bucket size, e.g. 1d.")
@click.option(
    "--nulls",
    type=click.Choice(NULLS_MODES),
    default="zeroize",
    show_default=True,
    help="How empty buckets are reported.",
)
@click.option(
    "--csv", "csv_path", metavar="PATH", help="Also write the points as CSV ('-' for stdout)."
)
@output_options
@pass_state
def get(
    state: CliState,
    name: str,
    start: str,
    end: str | None,
    interval: str,
    nulls: str,
    csv_path: str | None,
) -> None:
    """Draw metric NAME as a terminal chart (or write its points as JSON/CSV)."""
    with state.metrics() as client:
        series = client.get_metric(name, start, interval, nulls, end)
    if csv_path is not None:
        write_csv(csv_path, series)
        if csv_path == "-":
            return
    if state.output.json_mode:
        state.output.json(series)
        return
    points = [p for p in series.get(name, []) if p.get("y") is not None]
    if not points:
        state.output.note(f"[dim]no data for {name} between {start} and {end or 'now'}[/dim]")
        return
    first, last = point_time(points[0]["x"]), point_time(points[-1]["x"])
    labels = [time_label(point_time(p["x"]), last - first) for p in points]
    values = [float(p["y"]) for p in points]
    color = state.output.console.is_terminal
    width = min(state.output.console.width, 100)
    state.output.console.print(
        line_chart(labels, values, f"{name} (per {interval}, UTC)", width=width, color=color),
        markup=False,
        highlight=False,
    )
    state.output.console.print(
        f"{len(points)} points from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC; "
        f"min {min(values):g}, max {max(values):g}, total {sum(values):g}"
    )
    sys.stdout.flush()
