"""``go-http optouts``: read, set, lift, count and import opt-outs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from go_http.cli.exit_codes import PartialFailure
from go_http.cli.progress import counting_progress
from go_http.cli.state import CliState, output_options, pass_state
from go_http.exceptions import (
    ApiError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)

address_type_option = click.option(
    "--type",
    "address_type",
    default="msisdn",
    show_default=True,
    help="Address type, e.g. msisdn, twitter_handle.",
)


def found(record: dict[str, Any] | None, missing: str) -> dict[str, Any]:
    """The opt-out record, or the not-found error (exit code 4) the API answered with
    ``None``."""
    if record is None:
        raise NotFoundError(missing, status_code=404, reason="Not Found")
    return record


@click.group()
def optouts() -> None:
    """Manage opted-out addresses (sends to them are refused)."""


@optouts.command(
    "get",
    epilog="""\b
Example:
  go-http optouts get +27821234567
""",
)
@click.argument("address")
@address_type_option
@output_options
@pass_state
def get_optout(state: CliState, address: str, address_type: str) -> None:
    """Show the opt-out of ADDRESS (exit code 4 if it has not opted out)."""
    with state.optouts() as client:
        record = client.get_optout(address_type, address)
    record = found(record, f"{address_type} {address} has not opted out")
    state.output.record(record, title="Opted out")


@optouts.command(
    "set",
    epilog="""\b
Example:
  go-http optouts set +27821234567
""",
)
@click.argument("address")
@address_type_option
@output_options
@pass_state
def set_optout(state: CliState, address: str, address_type: str) -> None:
    """Opt ADDRESS out (exit code 7 if it already is)."""
    with state.optouts() as client:
        state.output.record(client.set_optout(address_type, address), title="Opted out")


@optouts.command(
    "delete",
    epilog="""\b
Example:
  go-http optouts delete +27821234567
""",
)
@click.argument("address")
@address_type_option
@output_options
@pass_state
def delete_optout(state: CliState, address: str, address_type: str) -> None:
    """Lift the opt-out of ADDRESS (exit code 4 if there was none)."""
    with state.optouts() as client:
        record = client.delete_optout(address_type, address)
    record = found(record, f"{address_type} {address} had not opted out")
    state.output.record(record, title="Opt-out lifted")


@optouts.command(
    "count",
    epilog="""\b
Example:
  go-http optouts count
""",
)
@output_options
@pass_state
def count(state: CliState) -> None:
    """Show how many addresses have opted out (all address types)."""
    with state.optouts() as client:
        total = client.count()
    state.output.result({"opt_out_count": total}, f"{total} opt-outs")


def read_addresses(path: Path) -> list[tuple[int, str]]:
    """``(line number, address)`` for each address of a file: one per line, blank lines
    and ``#`` comments skipped."""
    found = []
    # utf-8-sig: a file saved by Excel or Notepad may start with a byte order mark.
    with open(path, encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            address = line.strip()
            if address and not address.startswith("#"):
                found.append((number, address))
    return found


@optouts.command(
    "import",
    epilog="""\b
Example:
  go-http optouts import unsubscribed.txt

\b
The file has one address per line; blank lines and lines starting with # are
skipped. Addresses already opted out are counted, not failed. Exit code 6 if
some addresses failed.
""",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@address_type_option
@output_options
@pass_state
def import_optouts(state: CliState, path: Path, address_type: str) -> None:
    """Opt out every address listed in the file PATH."""
    addresses = read_addresses(path)
    added = already = 0
    errors: list[dict[str, object]] = []
    with state.optouts() as client, counting_progress("Opting out", len(addresses)) as progress:
        for done, (line, address) in enumerate(addresses, start=1):
            try:
                client.set_optout(address_type, address)
                added += 1
            except ConflictError:
                already += 1
            except (AuthenticationError, PermissionDeniedError):
                raise
            except (ApiError, ValueError) as exc:
                reason = exc.reason if isinstance(exc, ApiError) else str(exc)
                errors.append({"line": line, "address": address, "reason": reason})
            progress(done)
    summary = {"opted_out": added, "already_opted_out": already, "failed": len(errors)}
    if state.output.json_mode:
        state.output.json({**summary, "errors": errors})
    else:
        if errors:
            state.output.records(errors, ("line", "address", "reason"), title="Failed")
        state.output.console.print(
            f"Opted out {added}, already opted out {already}, failed {len(errors)}"
        )
    if errors:
        raise PartialFailure(f"{len(errors)} of {len(addresses)} addresses failed")
