"""What the API reports: ``Diagnostic`` (a problem at a place in the source) and its exceptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from typing import Any, Literal

from ..diagnostics import core
from ..records import record


@record
class Diagnostic:
    """One problem of a ``.lmp`` program, at a place in its source.

    Lines and columns are 1-based; ``end_line``/``end_column`` point one past
    the last character. ``render()`` gives the form ``lmc check`` prints: the
    location, the source line with a caret under the place, and the help.
    """

    code: str  # "E102": documented in docs/diagnostics.md
    severity: Literal["error", "warning"]
    message: str
    help: str | None
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    source_line: str | None = field(default=None, repr=False, compare=False)  # the line it points into

    @classmethod
    def of(cls, diag: core.Diagnostic, text: str | None) -> Diagnostic:
        s = diag.span
        lines = text.splitlines() if text is not None else []
        line = lines[s.line - 1] if 1 <= s.line <= len(lines) else None
        severity: Literal["error", "warning"] = "error" if diag.severity is core.Severity.ERROR else "warning"
        return cls(diag.code, severity, diag.message, diag.help, s.file, s.line, s.col, s.end_line, s.end_col, line)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-ready) of every field but the source line."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "help": self.help,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }

    def render(self) -> str:
        """``path:line:col: error[CODE]: message``, the source line with a caret, and the help."""
        span = core.Span(self.path, self.line, self.column, self.end_line, self.end_column)
        severity = core.Severity.ERROR if self.is_error else core.Severity.WARNING
        text = None if self.source_line is None else "\n" * (self.line - 1) + self.source_line
        return core.render(core.Diagnostic(self.code, self.message, span, self.help, severity), text)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}[{self.code}]: {self.message}"


class CompileError(Exception):
    """The program has errors: ``diagnostics`` holds every diagnostic (warnings too), in source order."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error]
        first = errors[0].render() if errors else "no error"
        more = f"\n(and {len(errors) - 1} more error(s): see .diagnostics)" if len(errors) > 1 else ""
        super().__init__(f"{len(errors)} error(s) in {self._path()}:\n{first}{more}")

    def _path(self) -> str:
        return self.diagnostics[0].path if self.diagnostics else "the program"


class BuildError(Exception):
    """A build that could not finish for a reason the caller can fix (an LM, data or a Python module failing).

    ``details`` are further lines (each way a ``frozen`` build differs from its lock).
    """

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)
