"""Progress bars on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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


def make_progress(console: Console, total_known: bool) -> Progress:
    """A progress display: bar, count, rate and ETA when the total is known."""
    if total_known:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} done"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@contextmanager
def counting_progress(
    description: str, total: int | None = None
) -> Iterator[Callable[[int], None]]:
    """A ``progress(done)`` callback drawing a bar on stderr (a no-op off a terminal)."""
    console = Console(file=sys.stderr)
    if not console.is_terminal:
        yield lambda done: None
        return
    with make_progress(console, total is not None) as progress:
        task = progress.add_task(description, total=total, rate="")

        def update(done: int) -> None:
            speed = progress.tasks[task].speed
            rate = f"{speed:.1f}/s" if speed else ""
            progress.update(task, completed=done, rate=rate)

        yield update
