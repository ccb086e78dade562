"""``go-http contacts``: list, read, find, create, update, delete, export and import."""

from __future__ import annotations

import sys
from itertools import islice
from typing import Any, cast

import click

from go_http._paging import DEFAULT_PAGE_SIZE
from go_http._protocol import ADDRESS_FIELDS
from go_http.cli.contact_options import contact_data, contact_field_options
from go_http.cli.exit_codes import ListingFailed, PartialFailure, resumable_listing
from go_http.cli.progress import counting_progress
from go_http.cli.state import CliState, output_options, pass_state
from go_http.contacts_io import ExportFormat, ImportReport, export_contacts, import_contacts
from go_http.exceptions import PagedException

#: Columns of the contacts table (``--json`` gives every field).
CONTACT_COLUMNS = ("key", "msisdn", "name", "surname", "groups", "extra")

page_size_option = click.option(
    "--page-size",
    type=click.IntRange(min=1),
    default=DEFAULT_PAGE_SIZE,
    show_default=True,
    help="Contacts fetched per request.",
)


limit_option = click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
cursor_option = click.option(
    "--cursor",
    metavar="CURSOR",
    help="Start from this page cursor (a failed listing names the one to resume from).",
)


@click.group()
def contacts() -> None:
    """Manage the account's contacts."""


@contacts.command(
    "list",
    epilog="""\b
Examples:
  go-http contacts list
  go-http contacts list --json | jq -r .msisdn
""",
)
@page_size_option
@limit_option
@cursor_option
@output_options
@pass_state
def list_contacts(state: CliState, page_size: int, limit: int | None, cursor: str | None) -> None:
    """List contacts, fetched page by page."""
    with state.contacts() as client, resumable_listing():
        rows = client.contacts(cursor, page_size=page_size)
        state.output.records(
            islice(rows, limit), CONTACT_COLUMNS, title="Contacts", empty="no contacts"
        )


@contacts.command(
    "get",
    epilog="""\b
Example:
  go-http contacts get b1498401c05c4b3aa6929204aa1e955c
""",
)
@click.argument("key")
@output_options
@pass_state
def get_contact(state: CliState, key: str) -> None:
    """Show the contact with this KEY (exit code 4 if there is none)."""
    with state.contacts() as client:
        state.output.record(client.get_contact(key), title=f"Contact {key}")


@contacts.command(
    "find",
    epilog="""\b
Examples:
  go-http contacts find +27821234567
  go-http contacts find --field twitter_handle @thandi
""",
)
@click.argument("address")
@click.option(
    "--field",
    type=click.Choice(ADDRESS_FIELDS),
    default="msisdn",
    show_default=True,
    help="The address field to search.",
)
@output_options
@pass_state
def find_contact(state: CliState, address: str, field: str) -> None:
    """Show the contact with this ADDRESS (exit code 4 if there is none)."""
    with state.contacts() as client:
        contact = client.get_contact(**{field: address})
        state.output.record(contact, title=f"Contact {contact.get('key')}")


@contacts.command(
    "create",
    epilog="""\b
Example:
  go-http contacts create --msisdn +27821234567 --name Thandi --extra language=zu
""",
)
@contact_field_options
@output_options
@pass_state
def create_contact(state: CliState, /, **options: Any) -> None:
    """Create a contact (--msisdn is required)."""
    data = contact_data(options)
    if "msisdn" not in data:
        raise click.UsageError("a contact needs --msisdn")
    with state.contacts() as client:
        state.output.record(client.create_contact(data), title="Created contact")


@contacts.command(
    "update",
    epilog="""\b
Example:
  go-http contacts update b1498401c05c4b3aa6929204aa1e955c --surname Nkosi --group 3d0c5a8e
""",
)
@click.argument("key")
@contact_field_options
@output_options
@pass_state
def update_contact(state: CliState, /, key: str, **options: Any) -> None:
    """Change the given fields of contact KEY (--group adds to a group; --extra replaces
    the whole extra dict)."""
    data = contact_data(options)
    if not data:
        raise click.UsageError("nothing to update: give at least one field option")
    with state.contacts() as client:
        state.output.record(client.update_contact(key, data), title="Updated contact")


@contacts.command(
    "delete",
    epilog="""\b
Example:
  go-http contacts delete b1498401c05c4b3aa6929204aa1e955c
""",
)
@click.argument("key")
@output_options
@pass_state
def delete_contact(state: CliState, key: str) -> None:
    """Delete contact KEY and show what it was."""
    with state.contacts() as client:
        state.output.record(client.delete_contact(key), title="Deleted contact")


@contacts.command(
    "export",
    epilog="""\b
Examples:
  go-http contacts export -o contacts.csv
  go-http contacts export --format jsonl > contacts.jsonl
""",
)
@click.option(
    "-o",
    "--output",
    "path",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    help="File to write ('-' for stdout).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["csv", "jsonl"]),
    default="csv",
    show_default=True,
    help="CSV: fixed columns, groups/extra/subscription as JSON cells. JSONL: every field.",
)
@page_size_option
@output_options
@pass_state
def export(state: CliState, path: str, format_: str, page_size: int) -> None:
    """Write every contact to a CSV or JSON Lines file, streaming page by page."""
    with state.contacts() as client, counting_progress("Exporting") as progress:
        target: Any = sys.stdout if path == "-" else path
        try:
            count = export_contacts(
                client,
                target,
                format=cast(ExportFormat, format_),
                progress=progress,
                page_size=page_size,
            )
        except PagedException as exc:
            # No --cursor here: a resumed export would be a file of the rest only.
            hint = (
                "stdout got part of the contacts; run the export again"
                if path == "-"
                else f"{path} was left as it was; run the export again"
            )
            raise ListingFailed(exc, "export", hint) from exc
    where = "stdout" if path == "-" else path
    state.output.note(f"Exported {count} contacts to {where}")


def show_import_report(state: CliState, report: ImportReport) -> None:
    """Print the counts and one line per failed row."""
    errors = [
        {"row": e.row, "msisdn": e.msisdn, "action": e.action, "reason": e.reason}
        for e in report.errors
    ]
    if state.output.json_mode:
        state.output.json(
            {
                "created": report.created,
                "updated": report.updated,
                "failed": report.failed,
                "errors": errors,
            }
        )
        return
    if errors:
        state.output.records(errors, ("row", "msisdn", "action", "reason"), title="Failed rows")
    state.output.console.print(
        f"Imported: {report.created} created, {report.updated} updated, {report.failed} failed"
    )


@contacts.command(
    "import",
    epilog="""\b
Example:
  go-http contacts import contacts.csv

\b
The CSV needs a header with an msisdn column. Other columns: name, surname,
email_address, dob, twitter_handle, facebook_id, bbm_pin, gtalk_id, mxit_id,
wechat_id, groups (JSON list), extra / subscription (JSON objects) or
extra.NAME / subscription.NAME. key and created_at are ignored, so an export
can be imported back. Exit code 6 if some rows failed.
""",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@output_options
@pass_state
def import_(state: CliState, path: str) -> None:
    """Create contacts from a CSV file, updating those whose msisdn already exists."""
    with state.contacts() as client, counting_progress("Importing") as progress:
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte order mark.
        source: Any = click.open_file(path, encoding="utf-8-sig") if path == "-" else path
        report = import_contacts(client, source, progress=progress)
    show_import_report(state, report)
    if report.failed:
        raise PartialFailure(f"{report.failed} of {report.processed} rows failed (listed above)")
