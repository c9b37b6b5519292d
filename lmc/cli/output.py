"""What the commands print: a file's diagnostics, and the one line of a failed command."""

from __future__ import annotations

import sys
from typing import TextIO

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


def fail(message: str) -> int:
    print(f"lmc: error: {message}", file=sys.stderr)
    return EXIT_RUN_FAILED
