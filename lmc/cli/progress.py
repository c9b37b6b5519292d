"""Progress bars, notes and result tables on stderr (rich), quiet when not a terminal.

``ConsoleProgress`` draws a build's events (``building/events.py``): a bar per
stage on a terminal, one ``stage: done/total`` line when a stage completes
otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..building.events import ProgressEvent

# Everything lmc prints is text as it is: rich markup (`[bold]`, `[/]`) and emoji codes (`:smile:`) would
# rewrite or reject what users wrote (a row's input, a label, an error's `[redacted]`), so both are off.
console = Console(stderr=True, highlight=False, markup=False, emoji=False)


class ConsoleProgress:
    """The CLI's ``progress`` callback."""

    def __init__(self) -> None:
        self._bars: dict[str, tuple[Progress, TaskID]] = {}
        self._shown: dict[str, int] = {}  # without a terminal: the last count printed per stage

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "note":
            info(event.text)
        elif event.kind == "start":
            self._start(event.text)
        elif event.kind == "advance":
            self._advance(event)
        else:
            self._end(event.text)

    def _start(self, stage: str) -> None:
        if not console.is_terminal:
            self._shown[stage] = -1
            return
        bar = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        bar.start()
        self._bars[stage] = (bar, bar.add_task(stage, total=None))

    def _advance(self, event: ProgressEvent) -> None:
        drawn = self._bars.get(event.text)
        if drawn is not None:
            bar, task = drawn
            bar.update(task, completed=event.done, total=event.total)
        elif event.done == event.total and self._shown.get(event.text) != event.done:
            self._shown[event.text] = event.done
            print(f"{event.text}: {event.done}/{event.total}", file=sys.stderr)

    def _end(self, stage: str) -> None:
        self._shown.pop(stage, None)
        drawn = self._bars.pop(stage, None)
        if drawn is not None:
            drawn[0].stop()


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    t = Table(title=title, title_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    for row in rows:
        t.add_row(*(str(x) for x in row))
    console.print(t)


def info(message: str) -> None:
    """One line of text as it is: never wrapped (paths stay whole) and never read as rich markup."""
    console.print(message, soft_wrap=True, markup=False)
