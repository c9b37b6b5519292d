"""Source spans and diagnostics: the one way lmc reports a problem in a file.

Span convention (written down once): ``line`` and ``col`` are 1-based and
point at the first character; ``end_line`` and ``end_col`` point one past the
last character (lark's ``end_column`` convention). A zero-width span has
``end_col == col`` on the same line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ..records import record


@record
class Span:
    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def point(cls, file: str, line: int, col: int) -> Span:
        return cls(file, line, col, line, col + 1)

    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line, self.col)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@record
class Diagnostic:
    code: str  # "E101": an entry's code in ``catalog.py``
    message: str
    span: Span
    help: str | None = None
    severity: Severity = Severity.ERROR

    def to_json(self) -> str:
        return json.dumps(
            {
                "file": self.span.file,
                "line": self.span.line,
                "col": self.span.col,
                "end_line": self.span.end_line,
                "end_col": self.span.end_col,
                "severity": self.severity.value,
                "code": self.code,
                "message": self.message,
                "help": self.help,
            },
            ensure_ascii=False,
        )


@dataclass
class DiagnosticSink:
    """Collects diagnostics; checks append, the driver reports them all at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.span.sort_key(), d.code))


def render(diag: Diagnostic, source: str | None) -> str:
    """``path:line:col: error[CODE]: message``, the source line, a caret, help."""
    s = diag.span
    out = [f"{s.file}:{s.line}:{s.col}: {diag.severity.value}[{diag.code}]: {diag.message}"]
    lines = source.splitlines() if source is not None else []
    if 1 <= s.line <= len(lines):
        raw = lines[s.line - 1]
        text = raw.expandtabs(4)
        # Column in the tab-expanded line.
        col = len(raw[: s.col - 1].expandtabs(4)) + 1
        if s.end_line == s.line:
            end = len(raw[: max(s.end_col - 1, s.col)].expandtabs(4)) + 1
        else:
            end = len(text) + 1
        width = max(1, end - col)
        gutter = str(s.line)
        pad = " " * len(gutter)
        out.append(f"{pad} |")
        out.append(f"{gutter} | {text}")
        out.append(f"{pad} | {' ' * (col - 1)}^{'~' * (width - 1)}")
        if diag.help:
            out.append(f"{pad} = help: {diag.help}")
    elif diag.help:
        out.append(f"  = help: {diag.help}")
    return "\n".join(out)


def read_source(path: str | Path) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def did_you_mean(name: str, candidates: list[str] | set[str] | tuple[str, ...]) -> str | None:
    """A ``help:`` text naming the closest candidate, or None."""
    match = closest(name, candidates)
    return f"did you mean `{match}`?" if match is not None else None


def meant(name: str, candidates: list[str] | set[str] | tuple[str, ...]) -> str:
    """``"; did you mean `x`?"`` to end a one-line message about ``name``, or "" when nothing is close."""
    match = closest(name, candidates)
    return f"; did you mean `{match}`?" if match is not None else ""


def closest(name: str, candidates: list[str] | set[str] | tuple[str, ...]) -> str | None:
    """The candidate closest to ``name`` (a misspelling, or the same name in another case), or None."""
    import difflib

    match = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    if match:
        return match[0]
    lowered = {c.lower(): c for c in candidates}
    return lowered.get(name.lower())
