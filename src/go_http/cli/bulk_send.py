"""``go-http send-bulk``: one message per recipient of a CSV file, resumable."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import IO, Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from go_http.cli.exit_codes import INTERRUPTED, PartialFailure
from go_http.cli.recipients import count_recipients, open_recipients
from go_http.cli.state import CliState, output_options, pass_state

#: Problems listed in the summary table (all of them are in the --json output).
SHOWN_PROBLEMS = 20
#: Outcome statuses listed as not sent.
NOT_SENT_STATUSES = frozenset({"skipped", "failed", "unknown"})


class NotSent:
    """A ``progress`` callback keeping the recipients that were not sent to, as outcomes
    arrive: the engine keeps none (``keep_outcomes=False``), so memory does not grow with
    the number of recipients, only (with ``--json``) with the number of problems.

    :param limit: keep at most this many rows (``None``: all); :attr:`count` counts all.
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.rows: list[dict[str, Any]] = []
        self.count = 0

    def __call__(self, outcome: Any) -> None:
        if outcome.status not in NOT_SENT_STATUSES:
            return
        self.count += 1
        if self.limit is None or len(self.rows) < self.limit:
            self.rows.append(
                {
                    "id": outcome.id,
                    "to_addr": outcome.to_addr,
                    "status": outcome.status,
                    "reason": outcome.reason,
                }
            )


@contextmanager
def outcome_progress(total: int | None) -> Iterator[Callable[[Any], None]]:
    """A ``progress(outcome)`` callback drawing a bar with counts, rate and ETA on stderr
    (a no-op when stderr is not a terminal)."""
    console = Console(file=sys.stderr)
    if not console.is_terminal:
        yield lambda outcome: None
        return
    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    if total is not None:
        columns += [MofNCompleteColumn(), TaskProgressColumn()]
    columns += [TextColumn("{task.fields[rate]}"), TimeElapsedColumn()]
    if total is not None:
        columns.append(TimeRemainingColumn())
    counts: Counter[str] = Counter()
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Sending", total=total, rate="")

        def update(outcome: Any) -> None:
            counts[outcome.status] += 1
            speed = progress.tasks[task].speed
            description = (
                f"sent {counts['sent']} skipped {counts['skipped']} failed {counts['failed']}"
            )
            progress.update(
                task,
                advance=1,
                description=description,
                rate=f"{speed:.1f} msg/s" if speed else "",
            )

        yield update


def summary_rows(report: Any) -> dict[str, int]:
    """The report's counts."""
    return {
        "sent": report.sent,
        "skipped": report.skipped,
        "failed": report.failed,
        "unknown": report.unknown,
        "already_done": report.already_done,
    }


def show_summary(state: CliState, report: Any, journal: str | None, not_sent: NotSent) -> None:
    """Print the counts and the recipients that were not sent to."""
    counts = summary_rows(report)
    if state.output.json_mode:
        state.output.json({**counts, "not_sent": not_sent.rows})
        return
    if not_sent.rows:
        state.output.records(not_sent.rows, ("to_addr", "status", "reason"), title="Not sent")
    hidden = not_sent.count - len(not_sent.rows)
    if hidden:
        where = "--json lists them all" + (
            f"; the journal {journal} records every outcome" if journal else ""
        )
        state.output.console.print(f"... and {hidden} more not sent ({where})")
    line = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
    state.output.console.print(f"Done: {line}")
    if report.unknown:
        state.output.note(
            "[yellow]unknown[/yellow]: the request went out but no answer came back; a re-run "
            "does not resend these (add --resend-unknown to risk a duplicate)"
        )
    if report.failed and journal:
        state.output.note(f"Re-run with --journal {journal} to retry the failed ones.")


@click.command(
    "send-bulk",
    epilog="""\b
Examples:
  go-http send-bulk people.csv --template "Hi {name}, your code is {code}" \\
      --journal campaign.journal --concurrency 10 --rate 20
  cut -d, -f1 people.csv | go-http send-bulk - --message "Meeting at 10"

\b
The recipients file is CSV with a header: the address comes from --to-column
(default: the first of to_addr, msisdn, address, to), and the template may use
any column. A plain list (one address per line, no header) works with --message.
Opted-out recipients are skipped, not failed. With --journal, every outcome is
recorded as it happens: after an interruption, run the same command again and
only the recipients not yet sent to get a message. Exit code 6 if some failed.
""",
)
# utf-8-sig: Excel's "CSV UTF-8" starts with a byte order mark (stdin is decoded so too).
@click.argument("recipients", type=click.File("r", encoding="utf-8-sig", lazy=False))
@click.option("--message", metavar="TEXT", help="The same text for everyone.")
@click.option("--template", metavar="TEXT", help="Text with {column} placeholders.")
@click.option("--to-column", metavar="NAME", help="The column holding the address.")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Most requests in flight.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    help="Most messages per second [default: no limit].",
)
@click.option(
    "--journal",
    metavar="PATH",
    help="SQLite file recording each outcome, so a re-run sends only what is left.",
)
@click.option(
    "--resend-unknown",
    is_flag=True,
    help="Resend messages whose outcome is unknown (each may arrive twice).",
)
@output_options
@pass_state
def send_bulk(
    state: CliState,
    recipients: IO[str],
    message: str | None,
    template: str | None,
    to_column: str | None,
    concurrency: int,
    rate: float | None,
    journal: str | None,
    resend_unknown: bool,
) -> None:
    """Send a message to every recipient in a CSV file ('-' for stdin)."""
    from go_http.bulk import send_bulk as run_bulk

    if (message is None) == (template is None):
        raise click.UsageError("give exactly one of --message or --template")
    text = template if template is not None else message.replace("{", "{{").replace("}", "}}")  # type: ignore[union-attr]
    total: int | None = None
    if recipients.seekable():
        total = count_recipients(recipients)
        recipients.seek(0)
    listing, messages = open_recipients(recipients, to_column, text)
    if total is not None and listing.to_column is not None:
        total -= 1
    if journal is None:
        state.output.note("[dim]no --journal: an interrupted run cannot be resumed[/dim]")
    sender = state.sender()
    with ExitStack() as stack:
        stack.callback(sender.close)
        draw = stack.enter_context(outcome_progress(total))
        not_sent = NotSent(None if state.output.json_mode else SHOWN_PROBLEMS)

        def progress(outcome: Any) -> None:
            not_sent(outcome)
            draw(outcome)

        try:
            report = run_bulk(
                sender,
                messages,
                concurrency=concurrency,
                rate=rate,
                journal=journal,
                progress=progress,
                keep_outcomes=False,
                resend_unknown=resend_unknown,
            )
        except KeyboardInterrupt:
            hint = (
                f"run the same command again with --journal {journal} to send the rest"
                if journal
                else "without --journal a re-run sends to everyone again"
            )
            click.echo(f"Error: interrupted; {hint}", err=True)
            raise click.exceptions.Exit(INTERRUPTED) from None
    show_summary(state, report, journal, not_sent)
    if report.failed or report.unknown:
        raise PartialFailure(
            f"{report.failed} failed and {report.unknown} unknown of {report.total} recipients"
        )
