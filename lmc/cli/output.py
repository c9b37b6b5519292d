"""What the commands print: a file's diagnostics, and the one line of a failed command."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TextIO

from ..api.diagnostics import Diagnostic
from ..diagnostics.core import render
from ..exitcodes import EXIT_RUN_FAILED
from ..host.frontend import Loaded


def report(loaded: Loaded, fmt: str, *, json_out: TextIO | None = None) -> None:
    """Print the file's diagnostics on stderr: rendered, or as JSON lines (on ``json_out`` when given).

    ``lmc check --format json`` gives standard output, where a tool reads
    them; the other commands keep their standard output for their result.
    """
    for diag in loaded.diagnostics:
        if fmt == "json":
            print(diag.to_json(), file=json_out or sys.stderr)
        else:
            print(render(diag, loaded.text), file=sys.stderr)
    if fmt == "text" and loaded.diagnostics:
        errors = sum(1 for d in loaded.diagnostics if d.severity.value == "error")
        warnings = len(loaded.diagnostics) - errors
        print(f"{loaded.path}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)


def report_api(path: str, diagnostics: Sequence[Diagnostic], fmt: str, *, json_out: TextIO | None = None) -> None:
    """``report`` for the Python API's diagnostics (``lmc check``): the same text and JSON lines."""
    for diag in diagnostics:
        if fmt == "json":
            print(json.dumps(_json_line(diag), ensure_ascii=False), file=json_out or sys.stderr)
        else:
            print(diag.render(), file=sys.stderr)
    if fmt == "text" and diagnostics:
        errors = sum(1 for d in diagnostics if d.is_error)
        print(f"{path}: {errors} error(s), {len(diagnostics) - errors} warning(s)", file=sys.stderr)


def _json_line(diag: Diagnostic) -> dict[str, object]:
    """The keys ``--format json`` has always printed (``file``, ``col``, ``end_col``, ...)."""
    return {
        "file": diag.path,
        "line": diag.line,
        "col": diag.column,
        "end_line": diag.end_line,
        "end_col": diag.end_column,
        "severity": diag.severity,
        "code": diag.code,
        "message": diag.message,
        "help": diag.help,
    }


def fail(message: str) -> int:
    print(f"lmc: error: {message}", file=sys.stderr)
    return EXIT_RUN_FAILED
