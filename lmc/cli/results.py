"""What ``lmc build``, ``lmc build --dry-run`` and ``lmc eval`` print once their work is done."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..api import BuildError, BuildResult, Diagnostic, Evaluation, Row
from ..building.dry_run import estimate_build, render
from ..building.pipeline import BuildFailed
from ..building.report import REPORT_NAME
from ..exitcodes import EXIT_OK, EXIT_RUN_FAILED
from ..host.session import Session
from ..runtime.types import to_jsonable
from .progress import info, table


def print_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    """The API's diagnostics, rendered as ``lmc check`` prints them (stderr)."""
    for diag in diagnostics:
        print(diag.render(), file=sys.stderr)


def print_failure(exc: BuildFailed | BuildError) -> int:
    print(f"lmc: error: {exc}", file=sys.stderr)
    for detail in exc.details:
        print(f"  - {detail}", file=sys.stderr)
    if exc.details:
        print("lmc: build without --frozen to optimize again and rewrite the lock", file=sys.stderr)
    return EXIT_RUN_FAILED


def print_build(output: BuildResult, lock: Path, seconds: float) -> None:
    """The scores, what this process spent, and where the package and the lock went (stderr)."""
    out = output.out
    if output.from_lock:
        info(f"wrote {out}/ from {lock} (no LM called)")
        return
    rows = output.scores
    if rows:
        table(
            f"{output.name}: scores (%)",
            ("program / split", "baseline", "optimized"),
            [(r.label, f"{r.baseline:.1f}", "-" if r.optimized is None else f"{r.optimized:.1f}") for r in rows],
        )
    spent = output.spent
    if spent.answers:  # what this process spent (bench/ reads this line); the files hold the build's
        info(
            f"LM calls: {spent.answers} ({spent.cache_hits} from cache), tokens: "
            f"{spent.prompt_tokens} in / {spent.completion_tokens} out, cost: ${spent.cost_usd:.4f}"
        )
    if output.truncated:
        info(f"{output.truncated} answer(s) were cut at max_tokens (the model did not end its answer)")
    report = out / REPORT_NAME if out is not None else None
    info(f"wrote {out}/ in {seconds:.1f}s (report: {report}, lock: {lock})")


def print_dry_run(session: Session, seed: int | None, optimize: bool) -> int:
    """``lmc build --dry-run``: the estimate on stdout; exit 0 without calling an LM."""
    try:
        sections = estimate_build(session, seed, optimize)
    except BuildFailed as exc:
        return print_failure(exc)
    print(render(Path(session.loaded.path).name, sections), end="")
    return EXIT_OK


def print_evaluation(evaluation: Evaluation) -> int:
    """The rows and the score (stdout); each failed row's cause after the table; exit 3 when every row failed.

    When the metric gave feedback on any row, the table has a column for it.
    """
    feedback = any(r.feedback is not None for r in evaluation.rows)
    rows = [
        (
            r.index + 1,
            _short(r.inputs),
            _short(r.outputs) if r.outputs is not None else "(failed: see below)",
            f"{r.score:.2f}",
            *((_cut(" ".join((r.feedback or "-").split())),) if feedback else ()),
        )
        for r in evaluation.rows
    ]
    title = f"{evaluation.program} on {evaluation.dataset} ({evaluation.metric})"
    table(title, ("#", "inputs", "outputs", "score", *(("feedback",) if feedback else ())), rows)
    failed = [r for r in evaluation.rows if r.error is not None]
    for r in failed[:FAILURES_SHOWN]:
        for line in _failure(r):
            info(line)
    if len(failed) > FAILURES_SHOWN:
        info(f"... and {len(failed) - FAILURES_SHOWN} more failed row(s)")
    total = len(evaluation.rows)
    if failed:
        info(f"{len(failed)} of {total} row(s) failed; they score 0")
    print(f"{evaluation.score:.1f}")
    if total and len(failed) == total:
        print(f"lmc: error: every row failed ({total}): the score measures nothing", file=sys.stderr)
        return EXIT_RUN_FAILED
    return EXIT_OK


FAILURES_SHOWN = 20  # failed rows whose cause ``lmc eval`` prints


def _failure(r: Row) -> list[str]:
    """A failed row's cause: what failed, its message's first line, and the raw answer that did not parse."""
    first = ((r.error or "").splitlines() or [""])[0].rstrip(":")
    if r.stage == "score":  # the message says what the metric returned
        return [f"row {r.index + 1}: {first}"]
    what = "the metric raised" if r.stage == "metric" else "the program failed:"
    lines = [f"row {r.index + 1}: {what} {first}"]
    if r.raw is not None:
        lines.append(f"  the LM wrote: {_quoted(r.raw)}")
    return lines


def _quoted(text: str, width: int = 160) -> str:
    """``text`` on one line as a JSON string (newlines shown as \\n), cut at ``width``."""
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted if len(quoted) <= width else quoted[: width - 2] + '…"'


def _short(value: Any, width: int = 60) -> str:
    text = "-" if value is None else ", ".join(f"{k}={to_jsonable(v)}" for k, v in dict(value).items())
    return _cut(text, width)


def _cut(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
