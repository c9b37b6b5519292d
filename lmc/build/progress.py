"""Progress bars and result tables on stderr (rich), quiet when not a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console(stderr=True, highlight=False)


@contextlib.contextmanager
def bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """Yields ``update(done, total)``; draws a bar on a terminal, one line otherwise."""
    if not console.is_terminal:
        last = [-1]

        def update_plain(done: int, total: int) -> None:
            if done == total and last[0] != done:
                last[0] = done
                print(f"{description}: {done}/{total}", file=sys.stderr)

        yield update_plain
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    t = Table(title=title, title_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    for row in rows:
        t.add_row(*(str(x) for x in row))
    console.print(t)


def info(message: str) -> None:
    console.print(message)
