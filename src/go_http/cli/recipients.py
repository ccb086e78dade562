"""Reading ``send-bulk`` recipients and rendering each one's message from a template."""

from __future__ import annotations

import csv
import string
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

#: Columns tried, in order, for the recipient's address when ``--to-column`` is not given.
ADDRESS_COLUMNS = ("to_addr", "msisdn", "address", "to")


class RecipientsError(ValueError):
    """The recipients file or the template cannot be used (nothing is sent)."""


def template_fields(template: str) -> list[str]:
    """The ``{names}`` a template uses.

    :raises RecipientsError: the template is malformed or uses positional fields.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise RecipientsError(f"invalid template {template!r}: {exc}") from None
    names = []
    for _, name, _, _ in parsed:
        if name is None:
            continue
        base = name.split(".")[0].split("[")[0]
        if not base or base.isdigit():
            raise RecipientsError(
                f"invalid template {template!r}: use column names like {{name}}, not {{{name}}}"
            )
        names.append(base)
    return names


@dataclass(frozen=True, slots=True)
class RecipientList:
    """A parsed header: which column holds the address, and how to read the rows.

    :ivar str to_column: the address column (``None`` for a plain list of addresses).
    :ivar list columns: the header's column names.
    """

    to_column: str | None
    columns: list[str]


def open_recipients(
    stream: IO[str], to_column: str | None, template: str
) -> tuple[RecipientList, Iterator[dict[str, Any]]]:
    """Check the header against the template and return the messages, lazily.

    A file whose first line has no address column and a single cell that looks like an
    address (``+27...`` or digits) is read as a plain list, one address per line.

    :param stream: the CSV text.
    :param str to_column: the address column (default: the first of
        :data:`ADDRESS_COLUMNS` present).
    :param str template: the message, with ``{column}`` placeholders.
    :raises RecipientsError: no address column, or the template names a missing column.
    """
    fields = template_fields(template)
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise RecipientsError("the recipients file is empty")
    # strip() leaves a byte order mark (not whitespace) on a stream decoded as plain UTF-8.
    header = [name.strip().removeprefix("\ufeff").strip() for name in header]
    plain = (
        to_column is None
        and len(header) == 1
        and header[0].lstrip("+").isdigit()
        and header[0] not in ADDRESS_COLUMNS
    )
    if plain:
        if fields:
            raise RecipientsError(
                "the template uses columns but the recipients file is a plain list of "
                "addresses: add a header row (e.g. 'msisdn,name')"
            )
        listing = RecipientList(None, [])
        return listing, _plain_messages(header[0], reader, template)
    column = to_column or next((c for c in ADDRESS_COLUMNS if c in header), None)
    if column is None or column not in header:
        wanted = f"column {to_column!r}" if to_column else "address column"
        raise RecipientsError(
            f"the recipients file has no {wanted} (columns: {', '.join(header)}); "
            f"name one with --to-column or use one of {', '.join(ADDRESS_COLUMNS)}"
        )
    missing = sorted(set(fields) - set(header))
    if missing:
        raise RecipientsError(
            f"the template uses {', '.join(missing)} but the recipients file has no such "
            f"column (columns: {', '.join(header)})"
        )
    listing = RecipientList(column, header)
    return listing, _csv_messages(listing, reader, template)


def _plain_messages(
    first: str, reader: Iterator[list[str]], template: str
) -> Iterator[dict[str, Any]]:
    content = template.format()
    yield {"to_addr": first, "content": content}
    for row in reader:
        if row and row[0].strip():
            yield {"to_addr": row[0].strip(), "content": content}


def _csv_messages(
    listing: RecipientList, reader: Iterator[list[str]], template: str
) -> Iterator[dict[str, Any]]:
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        values = {name: (row[i] if i < len(row) else "") for i, name in enumerate(listing.columns)}
        yield {
            "to_addr": values[listing.to_column or ""].strip(),
            "content": template.format(**values),
        }


def count_recipients(stream: IO[str]) -> int:
    """Non-blank data rows of a recipients file (the header included when it is a plain
    list; used only for the progress bar's total, so an estimate is enough)."""
    return sum(1 for row in csv.reader(stream) if any(cell.strip() for cell in row))
