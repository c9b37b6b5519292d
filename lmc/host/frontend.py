"""Read, parse and check one ``.lmp`` file: everything before any LM call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import catalog
from ..diagnostics.core import Diagnostic, Severity, Span
from ..ir import nodes as ir


@dataclass(frozen=True, slots=True)
class Loaded:
    path: str  # as given by the user: diagnostics print it
    text: str | None
    source: ir.SourceFile | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def base_dir(self) -> Path:
        return Path(self.path).resolve().parent

    @property
    def ok(self) -> bool:
        return self.source is not None and not any(d.severity is Severity.ERROR for d in self.diagnostics)


def load_file(path: str) -> Loaded:
    """Parse and check ``path``; never raises for bad input."""
    from ..checks import run_checks
    from ..syntax.parse import parse

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return Loaded(path, None, None, (catalog.CANNOT_READ.at(Span(path, 1, 1, 1, 1), path=path, reason=reason),))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        diag = catalog.NOT_UTF8.at(Span(path, line, col, line, col + 1), byte=raw[exc.start])
        return Loaded(path, None, None, (diag,))
    source, syntax = parse(text, path)
    diagnostics = list(syntax)
    if source is not None:
        diagnostics.extend(run_checks(source, Path(path).resolve().parent))
    diagnostics.sort(key=lambda d: (d.span.sort_key(), d.code))
    return Loaded(path, text, source, tuple(diagnostics))
