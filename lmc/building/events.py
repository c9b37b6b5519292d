"""What a build tells its host while it runs: stages with their progress, and notes. A build never prints.

The host passes one callback, ``progress(event)``: the CLI draws bars and
lines from the events (``cli/progress.py``), an embedding program does what
it likes with them, and without a callback a build is silent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Literal

from ..records import record

EventKind = Literal["start", "advance", "end", "note"]


@record
class ProgressEvent:
    """``start``/``advance``/``end`` of a stage named ``text`` (``done`` of ``total``), or a ``note``."""

    kind: EventKind
    text: str
    done: int = 0
    total: int = 0


Progress = Callable[[ProgressEvent], None]


def _ignore(done: int, total: int) -> None:
    return None


class Reporter:
    """A build's stages and notes, sent to ``progress`` as events (or dropped, without one)."""

    def __init__(self, progress: Progress | None = None) -> None:
        self._progress = progress

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[Callable[[int, int], None]]:
        """Yields ``update(done, total)`` for the stage; its ``end`` is sent however the stage ends."""
        send = self._progress
        if send is None:
            yield _ignore
            return

        def update(done: int, total: int) -> None:
            send(ProgressEvent("advance", name, done, total))

        send(ProgressEvent("start", name))
        try:
            yield update
        finally:
            send(ProgressEvent("end", name))

    def note(self, text: str) -> None:
        if self._progress is not None:
            self._progress(ProgressEvent("note", text))
