"""What lmc prints through rich is text as it is: no markup, no emoji codes, never a crash on them.

Rows' inputs and outputs, stage labels (``evaluate bootstrap [adapters ...]``) and error messages
(``Bearer [redacted]``) hold brackets and colons that rich would read as markup or emoji codes:
dropped (``[adapters ...]``), restyled (``[red]``), replaced (``:smile:``) or refused with a
``MarkupError`` (``[/bold]``), which stopped ``lmc eval`` as an internal error.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from lmc.building.events import ProgressEvent
from lmc.cli import progress

WRITTEN = ["Order 1 [/bold] is unopened", "[red]used[/red]", "a :smile: face", "Bearer [redacted]"]


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The CLI's console, drawing on a terminal into a buffer, with its own settings kept."""
    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=200, color_system=None)
    for name in ("_markup", "_emoji", "_highlight"):
        setattr(terminal, name, getattr(progress.console, name))
    monkeypatch.setattr(progress, "console", terminal)
    return out


def test_a_table_shows_its_cells_as_written(screen: io.StringIO) -> None:
    progress.table("scores [x]", ["inputs [/b]", "score"], [[text, 1.0] for text in WRITTEN])
    shown = screen.getvalue()
    for text in [*WRITTEN, "scores [x]", "inputs [/b]"]:
        assert text in shown


def test_a_note_and_a_stage_label_show_as_written(screen: io.StringIO) -> None:
    bars = progress.ConsoleProgress()
    stage = "evaluate bootstrap [adapters classify.predict: json] [/x]"
    for event in (
        ProgressEvent("note", WRITTEN[0]),
        ProgressEvent("start", stage),
        ProgressEvent("advance", stage, 1, 2),
        ProgressEvent("end", stage),
    ):
        bars(event)
    shown = screen.getvalue()
    assert WRITTEN[0] in shown and stage in shown  # the bar's frames held the label whole
