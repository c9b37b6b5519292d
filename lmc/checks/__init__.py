"""Semantic checks: every problem of a parsed file, reported in one run, before any LM call.

Each check is a small module with ``check(ctx: CheckContext) -> None`` that
appends diagnostics to ``ctx.sink``. They run in the order of ``CHECKS``,
all of them, whatever the earlier ones found; a check skips silently what
another check reports (an unknown name is reported once, by the check that
owns that reference), so one mistake gives one diagnostic.

- ``names``: duplicates, shadowed built-ins, references outside program bodies
- ``typedefs``: enums, records, signatures and type expressions
- ``options``: every option block against its schema (``schemas.py``)
- ``programs``: program bodies (calls, variables, returns, recursion)
- ``metrics``: built-in metric arguments and the fields metrics compare
- ``datasets``: data files exist, parse, have rows, and carry the fields their users need
- ``judges``: each input of a judge metric's signature is a program output or a dataset field
- ``settings``: optimizer options against the rows of the data they run on
- ``calibration``: ``Calibrate`` against the LM it runs on (E410)
- ``corpora``: every row of each bm25 corpus holds its text field, as a string
- ``pyrefs``: ``python "module:function"`` references
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..diagnostics.catalog import INTERNAL_ERROR
from ..diagnostics.core import Diagnostic, DiagnosticSink
from ..ir import nodes as ir
from . import (
    calibration,
    corpora,
    datasets,
    judges,
    metrics,
    names,
    numbers,
    options,
    programs,
    pyrefs,
    settings,
    typedefs,
)
from .context import CheckContext, SymbolTable

__all__ = ["CHECKS", "CheckContext", "SymbolTable", "run_checks"]


Check = Callable[[CheckContext], None]

CHECKS: tuple[Check, ...] = (
    names.check,
    numbers.check,
    typedefs.check,
    options.check,
    programs.check,
    metrics.check,
    datasets.check,
    judges.check,
    settings.check,
    calibration.check,
    corpora.check,
    pyrefs.check,
)


def run_checks(
    source_file: ir.SourceFile, base_dir: Path, *, strict: bool = False, nodes: Sequence[object] | None = None
) -> list[Diagnostic]:
    """Run every check and return their diagnostics, sorted by position.

    ``nodes`` is ``ir.survey(source_file).nodes`` when the caller walked the
    file already (the checks walk it once otherwise).

    A crashing check is a bug in lmc, not in the file: it becomes an E900
    diagnostic (and a logged traceback) so the other checks still report,
    unless ``strict`` is set (tests), where it propagates.
    """
    sink = DiagnosticSink()
    ctx = CheckContext(source_file, Path(base_dir), sink, SymbolTable.build(source_file))
    if nodes is not None:
        ctx.memo["nodes"] = nodes
    for check in CHECKS:
        try:
            check(ctx)
        except Exception as exc:
            if strict:
                raise
            import logging  # only for a crash: logging costs a check ~2 ms to import

            logging.getLogger(__name__).exception("check %s crashed on %s", check.__module__, source_file.path)
            name = check.__module__.rsplit(".", 1)[-1]
            sink.add(INTERNAL_ERROR.at(source_file.span, check=name, error=type(exc).__name__, detail=exc))
    return sink.sorted()
