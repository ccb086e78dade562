"""How commands write results: rich tables for people, JSON for scripts.

With ``--json`` stdout holds only JSON (one object, or JSON Lines for lists); everything
else (progress, notes) goes to stderr in both modes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

#: Width used when stdout is not a terminal (rich would assume 80 columns).
PIPED_WIDTH = 200


def cell(value: Any) -> str:
    """A value as table text (markup-safe): JSON for lists and dicts, blank for ``None``."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, ensure_ascii=False)) if value else ""
    return escape(str(value))


def _title(title: str | None) -> str | None:
    return None if title is None else escape(title)


class Output:
    """The writer of one CLI run.

    :param bool json_mode: write JSON to stdout instead of tables.
    """

    def __init__(self, json_mode: bool = False) -> None:
        self.json_mode = json_mode

    @property
    def console(self) -> Console:
        """Rich console on the current stdout (made per call so test runners that swap
        ``sys.stdout`` see the output)."""
        console = Console(file=sys.stdout, highlight=False, soft_wrap=False)
        if not console.is_terminal:
            # Piped or captured: keep long keys and URLs on one line instead of folding.
            console.width = PIPED_WIDTH
        return console

    @property
    def err(self) -> Console:
        """Rich console on the current stderr."""
        return Console(file=sys.stderr, highlight=False)

    def json(self, value: Any) -> None:
        """Write one JSON document (one line) to stdout."""
        sys.stdout.write(json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n")
        sys.stdout.flush()

    def note(self, text: str) -> None:
        """A status line for people, on stderr (rich markup allowed)."""
        self.err.print(text)

    def result(self, value: Any, text: str) -> None:
        """A result: ``value`` as JSON, or ``text`` for people."""
        if self.json_mode:
            self.json(value)
        else:
            self.console.print(text)

    def record(self, value: Mapping[str, Any], title: str | None = None) -> None:
        """One object: JSON, or a two-column field/value table."""
        if self.json_mode:
            self.json(value)
            return
        table = Table(title=_title(title), show_header=False, title_justify="left")
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        for key, value_ in value.items():
            table.add_row(key, cell(value_))
        self.console.print(table)

    def records(
        self,
        rows: Iterable[Mapping[str, Any]],
        columns: Sequence[str],
        title: str | None = None,
        empty: str = "nothing found",
    ) -> int:
        """A list: JSON Lines (streamed, every field), or a table of ``columns``.

        :returns: the number of rows written.
        """
        count = 0
        if self.json_mode:
            for row in rows:
                self.json(row)
                count += 1
            return count
        table = Table(title=_title(title), title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(cell(row.get(column)) for column in columns))
            count += 1
        if count:
            self.console.print(table)
        else:
            self.note(f"[dim]{empty}[/dim]")
        return count
