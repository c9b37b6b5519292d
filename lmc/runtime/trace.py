"""Traces of module calls: each call's inputs and outputs, recorded per running program.

Traces are kept in a context variable, so concurrent runs in threads never mix.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


class Prediction(dict[str, Any]):
    """Outputs of one module call: a dict whose keys also read as attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"the prediction has no field `{name}` (it has: {', '.join(self)})") from None


@dataclass(frozen=True, slots=True)
class TraceEntry:
    path: str  # "program.module"
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    # Choice-scored fields (``choices.py``): field -> value -> log-probability, for ``Calibrate``.
    scores: Mapping[str, Mapping[str, float]] | None = None


_TRACE: contextvars.ContextVar[list[TraceEntry] | None] = contextvars.ContextVar("lmc_trace", default=None)


def record(entry: TraceEntry) -> None:
    """Called by modules after every successful call."""
    trace = _TRACE.get()
    if trace is not None:
        trace.append(entry)


@contextlib.contextmanager
def capture_trace() -> Iterator[list[TraceEntry]]:
    """Collect the module calls made inside the block in a list of their own.

    They stay out of the enclosing trace; a module that runs several attempts
    (``BestOfN``) records only the entries of the one it keeps.
    """
    trace: list[TraceEntry] = []
    token = _TRACE.set(trace)
    try:
        yield trace
    finally:
        _TRACE.reset(token)
