"""What ``lmc build``, ``lmc build --dry-run`` and ``lmc eval`` print once their work is done."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..build.dry_run import estimate_build, render
from ..build.lock import LOCK_NAME
from ..build.pipeline import BuildFailed, BuildOutput, BuildRequest, Evaluation
from ..build.report import REPORT_NAME
from ..exitcodes import EXIT_OK, EXIT_RUN_FAILED
from ..host.session import Session
from ..runtime.types import to_jsonable
from .progress import info, table


def print_failure(exc: BuildFailed) -> int:
    print(f"lmc: error: {exc}", file=sys.stderr)
    for detail in exc.details:
        print(f"  - {detail}", file=sys.stderr)
    if exc.details:
        print("lmc: build without --frozen to optimize again and rewrite the lock", file=sys.stderr)
    return EXIT_RUN_FAILED


def print_build(output: BuildOutput, out: Path, seconds: float) -> None:
    """The scores, what this process spent, and where the package went (stderr)."""
    if output.from_lock:
        info(f"wrote {out}/ from {LOCK_NAME} (no LM called)")
        return
    rows = output.lock.scores
    if rows:
        table(
            f"{output.package}: scores (%)",
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
    info(f"wrote {out}/ in {seconds:.1f}s (report: {out / REPORT_NAME})")


def print_dry_run(session: Session, request: BuildRequest) -> int:
    """``lmc build --dry-run``: the estimate on stdout; exit 0 without calling an LM."""
    try:
        sections = estimate_build(session, request.seed, request.optimize)
    except BuildFailed as exc:
        return print_failure(exc)
    print(render(Path(session.loaded.path).name, sections), end="")
    return EXIT_OK


def print_evaluation(evaluation: Evaluation) -> int:
    result = evaluation.result
    rows = [
        (
            r.index + 1,
            _short(r.example.inputs()),
            _short(r.outputs) if r.error is None else "(no output)",
            f"{r.score:.2f}",
        )
        for r in result.results
    ]
    title = f"{evaluation.program} on {evaluation.dataset} ({evaluation.metric})"
    table(title, ("#", "inputs", "outputs", "score"), rows)
    print(f"{result.score:.1f}")
    return EXIT_OK


def _short(value: Any, width: int = 60) -> str:
    text = "-" if value is None else ", ".join(f"{k}={to_jsonable(v)}" for k, v in dict(value).items())
    return text if len(text) <= width else text[: width - 1] + "…"
