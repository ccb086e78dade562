"""Contact export (CSV or JSON Lines) and CSV import, built on :class:`ContactsApiClient`.

Export streams: contacts are written as each page arrives, so memory use does not grow
with the number of contacts.  CSV uses one fixed column set (:data:`CSV_COLUMNS`); the
list/dict fields ``groups``, ``extra`` and ``subscription`` are written as JSON cells
(``{"language": "zu"}``), so no first pass over the contacts is needed to find columns.

Import reads CSV with a header row.  Each row creates a contact, or updates the contact
that already has the row's ``msisdn``.  Besides the :data:`CSV_COLUMNS`, import accepts
spreadsheet-friendly ``extra.<name>`` and ``subscription.<name>`` columns, merged into
those dicts.  ``key``, ``created_at``, ``$VERSION`` and ``user_account`` are owned by the
server and ignored.  An empty cell means "not given": it is left out on create and leaves
the field unchanged on update.

The ``msisdn`` is normalised to one leading ``+`` (``27821234567`` -> ``+27821234567``)
before the lookup, create and update: the server's lookup matches that way (it finds
``+27...`` for ``27...``) but stores what it is sent verbatim, so a number written without
``+`` would otherwise never be found again and be created anew on every import.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from typing import IO, Any, Literal, cast

from go_http._paging import DEFAULT_PAGE_SIZE
from go_http._protocol import CONTACT_TEXT_FIELDS, normalize_msisdn
from go_http.contacts import Contact, ContactsApiClient
from go_http.exceptions import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)

__all__ = [
    "CSV_COLUMNS",
    "ImportInterrupted",
    "ImportReport",
    "RowError",
    "export_contacts",
    "import_contacts",
]

#: Columns written by a CSV export, in order; the last three hold JSON.
CSV_COLUMNS: tuple[str, ...] = (
    "key",
    *CONTACT_TEXT_FIELDS,
    "created_at",
    "groups",
    "extra",
    "subscription",
)
JSON_COLUMNS = ("groups", "extra", "subscription")
#: Columns that belong to the server: read back on export, never sent on import.
SERVER_COLUMNS = ("key", "created_at", "$VERSION", "user_account")
#: Prefixes of flattened dict columns accepted on import (``extra.language``).
FLAT_PREFIXES = ("extra.", "subscription.")

ExportFormat = Literal["csv", "jsonl"]
#: The byte order mark Excel's "CSV UTF-8" starts with, once decoded.
BOM = "\ufeff"
#: No CRT newline translation on Windows; the text layer above owns line endings.
_BINARY = getattr(os, "O_BINARY", 0)
Progress = Callable[[int], None]


def _open_text(target: str | os.PathLike[str] | IO[str], mode: str, stack: ExitStack) -> IO[str]:
    if isinstance(target, (str, os.PathLike)):
        # newline="" lets the csv module own line endings (and quoted newlines); utf-8-sig
        # reads Excel's "CSV UTF-8" (which starts with a byte order mark) like plain UTF-8.
        encoding = "utf-8-sig" if mode == "r" else "utf-8"
        return stack.enter_context(open(target, mode, encoding=encoding, newline=""))
    return target


@contextmanager
def _replacing(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """A new file next to ``path`` that replaces it only when the block succeeds; on any
    failure it is removed and ``path`` is left as it was."""
    target = os.fspath(path)
    descriptor, temporary = _create_beside(target)
    try:
        with suppress(FileNotFoundError):
            # Keep an existing file's permissions (a new one gets the umask's, like open()).
            os.chmod(temporary, os.stat(target).st_mode & 0o7777)
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _create_beside(target: str) -> tuple[int, str]:
    """Create a fresh hidden file in ``target``'s directory (the same file system, so
    ``os.replace`` is atomic)."""
    directory, name = os.path.split(os.path.abspath(target))
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(
                temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666
            ), temporary
        except FileExistsError:
            continue


def _csv_cell(contact: Contact, column: str) -> str:
    value = contact.get(column)
    if column in JSON_COLUMNS:
        return json.dumps(value if value is not None else ([] if column == "groups" else {}))
    return "" if value is None else str(value)


def export_contacts(
    client: ContactsApiClient,
    out: str | os.PathLike[str] | IO[str],
    *,
    format: ExportFormat = "csv",
    progress: Progress | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> int:
    """Write every contact of the account to ``out``, page by page.

    :param ContactsApiClient client: the client to read with.
    :param out: a file path, or a text file opened for writing (for CSV, open it with
        ``newline=""``).
    :param str format: ``csv`` (the :data:`CSV_COLUMNS`) or ``jsonl`` (one contact object,
        exactly as the server returns it, per line).
    :param progress: called with the number of contacts written so far, after each one.
    :param int page_size: contacts fetched per request.
    :returns: the number of contacts written.
    :raises ValueError: ``format`` is not ``csv`` or ``jsonl`` (nothing is written).
    :raises PagedException: a page failed.  Written to a path, the file is then left as
        it was (the export goes to a temporary file in the same directory that replaces
        it only when complete); written to a stream, what was written stays written.
    """
    if format not in ("csv", "jsonl"):
        raise ValueError(f"format must be 'csv' or 'jsonl', got {format!r}")
    written = 0
    with ExitStack() as stack:
        if isinstance(out, (str, os.PathLike)):
            stream = stack.enter_context(_replacing(out))
        else:
            stream = out
        writer = csv.writer(stream, lineterminator="\n") if format == "csv" else None
        if writer is not None:
            writer.writerow(CSV_COLUMNS)
        for contact in client.contacts(page_size=page_size):
            if writer is not None:
                writer.writerow([_csv_cell(contact, column) for column in CSV_COLUMNS])
            else:
                stream.write(json.dumps(contact, sort_keys=True) + "\n")
            written += 1
            if progress is not None:
                progress(written)
    return written


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one import row failed.

    :ivar int row: the row number as a spreadsheet shows it (the header is row 1).
    :ivar str msisdn: the row's msisdn (``""`` when it had none).
    :ivar str action: what failed: ``read``, ``lookup``, ``create`` or ``update``.
    :ivar str reason: why.
    """

    row: int
    msisdn: str
    action: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    """What an import did.

    :ivar int created: contacts created.
    :ivar int updated: existing contacts (matched by msisdn) updated.
    :ivar list errors: one :class:`RowError` per failed row, in file order.
    """

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Rows that were not imported."""
        return len(self.errors)

    @property
    def processed(self) -> int:
        """Rows looked at so far."""
        return self.created + self.updated + self.failed


class ImportInterrupted(Exception):
    """The import stopped early because every further row would fail the same way
    (credentials refused, server unreachable).  Rows before :attr:`report` ends are
    imported.

    :ivar ImportReport report: what was done before the stop.
    :ivar BaseException error: the error that stopped it.
    """

    def __init__(self, report: ImportReport, error: BaseException) -> None:
        super().__init__(f"import stopped after {report.processed} rows: {error}")
        self.report = report
        self.error = error


def _is_fatal(error: BaseException) -> bool:
    if isinstance(error, RateLimitedError):
        return False
    return isinstance(
        error, (AuthenticationError, PermissionDeniedError, ApiConnectionError, ApiTimeoutError)
    )


def _parse_json_cell(column: str, text: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"column {column!r} is not valid JSON ({exc.msg})") from None
    expected = list if column == "groups" else dict
    if not isinstance(value, expected):
        raise ValueError(f"column {column!r} must hold a JSON {expected.__name__}")
    return value


def contact_fields(row: Mapping[str, str | None]) -> dict[str, Any]:
    """The contact fields a CSV row gives, ready to send.

    :param row: one row, column name -> cell text.
    :returns: the fields, with the ``msisdn`` normalised to one leading ``+``.
    :raises ValueError: a JSON cell is invalid or the msisdn is missing.
    """
    data: dict[str, Any] = {}
    for column, raw in row.items():
        text = (raw or "").strip()
        if column is None or column in SERVER_COLUMNS or not text:
            continue
        prefix = next((p for p in FLAT_PREFIXES if column.startswith(p)), None)
        if prefix is not None:
            data.setdefault(prefix[:-1], {})[column[len(prefix) :]] = text
        elif column in JSON_COLUMNS:
            parsed = _parse_json_cell(column, text)
            if isinstance(parsed, dict) and isinstance(data.get(column), dict):
                parsed = {**parsed, **data[column]}
            data[column] = parsed
        else:
            data[column] = text
    msisdn = str(data.get("msisdn") or "").lstrip("+")
    if not msisdn:
        raise ValueError("msisdn is empty")
    # One form for lookup and write: see the module docstring.
    data["msisdn"] = normalize_msisdn(msisdn)
    return data


def check_columns(columns: Iterable[str]) -> list[str]:
    """Check an import header row.

    :raises ValueError: a column is unknown, or there is no ``msisdn`` column.
    """
    names = list(columns)
    unknown = [
        name
        for name in names
        if name not in CSV_COLUMNS
        and name not in SERVER_COLUMNS
        and not (name.startswith(FLAT_PREFIXES) and "." in name and not name.endswith("."))
    ]
    if unknown:
        raise ValueError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; expected some of "
            f"{', '.join(CSV_COLUMNS)} or extra.<name> / subscription.<name>"
        )
    if "msisdn" not in names:
        raise ValueError("the CSV has no 'msisdn' column")
    return names


def _rows(
    source: Iterable[Mapping[str, str | None]] | IO[str],
) -> Iterator[tuple[Mapping[str, str | None], str | None]]:
    """Each row with the problem that makes it unreadable (``None`` if it is fine)."""
    if not isinstance(source, io.IOBase) and not hasattr(source, "read"):
        for row in source:
            yield row, None
        return
    reader = csv.DictReader(cast(IO[str], source))
    if reader.fieldnames:
        # A stream decoded as plain UTF-8 keeps Excel's byte order mark on the first name.
        reader.fieldnames = [reader.fieldnames[0].removeprefix(BOM), *reader.fieldnames[1:]]
    header = check_columns(reader.fieldnames or [])
    for row in reader:
        extra_cells = cast(dict[Any, Any], row).pop(None, None)
        if extra_cells:
            yield row, f"row has {len(header) + len(extra_cells)} cells, header has {len(header)}"
        else:
            yield row, None


class _RowFailure(Exception):
    def __init__(self, action: str, error: ApiError) -> None:
        super().__init__(action, error)
        self.action = action
        self.error = error


def _import_row(client: ContactsApiClient, data: dict[str, Any]) -> str:
    """Create or update one contact; returns ``created`` or ``updated``."""
    action = "lookup"
    try:
        try:
            existing = client.get_contact(msisdn=data["msisdn"])
        except NotFoundError:
            action = "create"
            client.create_contact(data)
            return "created"
        action = "update"
        client.update_contact(existing["key"], data)
        return "updated"
    except ApiError as exc:
        if _is_fatal(exc):
            raise
        raise _RowFailure(action, exc) from exc


def import_contacts(
    client: ContactsApiClient,
    rows_or_file: str | os.PathLike[str] | IO[str] | Iterable[Mapping[str, str | None]],
    *,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update contacts from CSV rows, reporting each row that fails.

    :param ContactsApiClient client: the client to write with.
    :param rows_or_file: a CSV file path (UTF-8, with or without a byte order mark), an
        open text file of CSV, or rows already read (mappings of column -> cell text).
    :param progress: called with the number of rows processed so far, after each row.
    :returns: the counts created/updated/failed and one :class:`RowError` per failed row.
    :raises ValueError: the header names an unknown column or lacks ``msisdn`` (nothing
        is imported).
    :raises ImportInterrupted: the credentials were refused or the server is unreachable;
        carries the report of the rows done before.
    """
    report = ImportReport()
    with ExitStack() as stack:
        source: Any = rows_or_file
        if isinstance(rows_or_file, (str, os.PathLike)):
            source = _open_text(rows_or_file, "r", stack)
        for index, (row, problem) in enumerate(_rows(source)):
            number = index + 2  # the header is row 1
            msisdn = str(row.get("msisdn") or "").strip()
            try:
                if problem is not None:
                    raise ValueError(problem)
                outcome = _import_row(client, contact_fields(row))
            except ValueError as exc:
                report.errors.append(RowError(number, msisdn, "read", str(exc)))
            except _RowFailure as exc:
                report.errors.append(RowError(number, msisdn, exc.action, exc.error.reason))
            except (ApiError, ApiConnectionError, ApiTimeoutError) as exc:
                raise ImportInterrupted(report, exc) from exc
            else:
                if outcome == "created":
                    report.created += 1
                else:
                    report.updated += 1
            if progress is not None:
                progress(report.processed)
    return report
