"""``lmc build --dry-run``: the LM requests a build would make, before making any.

For each ``optimize`` block: the baseline score, each optimizer of the chain
(its ``estimate_calls`` for the block's data sizes and the LM requests of
one scored run, capped by ``max_lm_calls``), the final score; then the
``evaluate`` blocks and the package's parity runs. Every run an optimizer or
an evaluation makes is scored, so a ``judge`` metric adds its request to
each; the parity runs are not scored. Datasets are read for
their sizes; no LM is created or called. Counts are before cache hits: a
warm cache answers repeated requests for free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..host.session import Session
from ..ir import nodes as ir
from ..optimize.core.base import CallEstimate, TaskSizes
from ..records import record
from .callcount import RunCalls, metric_calls, run_calls
from .pipeline import PARITY_CASES, RUN_FAILURES, BuildFailed
from .plan import BlockPlan, StepPlan, plan_blocks, required


@record
class Line:
    """One row of the estimate: what runs, its LM requests (None: not estimated), how sure."""

    what: str
    calls: int | None
    upper_bound: bool = False
    approximate: bool = False  # a loop of unknown length, or a part not estimated
    note: str = ""

    @property
    def qualifier(self) -> str:
        if self.approximate:
            return "about"
        return "at most" if self.upper_bound else ""


def estimate_build(session: Session, seed: int | None = None, optimize: bool = True) -> list[tuple[str, list[Line]]]:
    """The estimate, in sections (a heading, its lines), for a checked file.

    Raises ``BuildFailed`` for the build's run failures (a dataset that
    cannot be read, an optimizer option the optimizer rejects).
    """
    try:
        return _estimate(session, seed, optimize)
    except RUN_FAILURES as exc:
        raise BuildFailed(str(exc)) from exc


def _estimate(session: Session, seed: int | None, optimize: bool) -> list[tuple[str, list[Line]]]:
    sections: list[tuple[str, list[Line]]] = []
    plans = plan_blocks(session.source, seed) if optimize else ()
    for plan in plans:
        sections.append(_block(session, plan))
    evaluations: list[Line] = []
    for decl in session.source.of(ir.EvaluateDecl) if optimize else ():  # --no-optimize skips them too
        dataset, metric = (str(required(decl.options, key)) for key in ("dataset", "metric"))
        scored = run_calls(session.source, decl.program.name) + metric_calls(session.source, metric)
        runs = len(session.dataset(dataset).examples) * (2 if plans else 1)
        evaluations.append(_runs(f"evaluate {decl.program.name} on {dataset} ({metric})", runs, scored))
    for plan in plans:
        cases = min(PARITY_CASES, len(session.dataset(plan.scored_on).examples))
        per_run = run_calls(session.source, plan.program)
        evaluations.append(_runs(f"parity runs of {plan.program} (the package's test)", cases, per_run))
    if evaluations:
        sections.append(("after optimizing", evaluations))
    return sections


def _block(session: Session, plan: BlockPlan) -> tuple[str, list[Line]]:
    train = len(session.dataset(plan.trainset).examples)
    scored = len(session.dataset(plan.scored_on).examples)
    searched = frozenset(a for step in plan.steps for a in getattr(step.optimizer, "adapters", None) or ())
    per_run = run_calls(session.source, plan.program, searched)
    judge = metric_calls(session.source, plan.metric)
    scored_run = per_run + judge
    program = session.source.named()[plan.program]
    assert isinstance(program, ir.ProgramDecl), plan.program  # a checked file: the block names a program
    sizes = TaskSizes(
        trainset=train,
        valset=scored,
        run_calls=scored_run.calls,
        modules=_predictors(program),
        valset_given=plan.valset not in (None, plan.trainset),
    )
    heading = (
        f"optimize {plan.program}: trainset {plan.trainset} ({train} rows), scored on {plan.scored_on} "
        f"({scored} rows); one run of {plan.program} makes {per_run.describe()}"
    )
    if judge.calls:
        heading += f", and scoring it with the judge `{plan.metric}` {judge.describe()} more"
    lines = [_runs(f"baseline score on {plan.scored_on}", scored, scored_run)]
    for number, step in enumerate(plan.steps, 1):
        lines.append(_step(number, step, sizes, scored_run))
    final = _runs(f"final score on {plan.scored_on}", scored, scored_run)
    if any(getattr(step.optimizer, "measures_final", False) for step in plan.steps):
        note = "none when the search scored the chosen program cleanly and the LM cache is on"
        final = replace(final, upper_bound=True, note=note)
    lines.append(final)
    return heading, lines


def _predictors(program: ir.ProgramDecl) -> int:
    """The learnable predictors of a program's modules: a kind may have more than one (``ReAct``'s
    ``extract``, ``MultiChainComparison``'s ``attempt``), each with instructions an optimizer rewrites."""
    from ..runtime.modules import KINDS

    return sum(1 + len(getattr(KINDS.get(m.kind.name), "parts", ())) for m in program.modules)


def _runs(what: str, runs: int, per_run: RunCalls) -> Line:
    return Line(what, runs * per_run.calls, per_run.upper_bound, bool(per_run.unknown_loops))


def _step(number: int, step: StepPlan, sizes: TaskSizes, per_run: RunCalls) -> Line:
    what = f"{number}. {step.name}"
    notes = [", ".join(f"{k}: {v!r}" for k, v in step.given.items())] if step.given else []
    estimator: Callable[[TaskSizes], CallEstimate] | None = getattr(step.optimizer, "estimate_calls", None)
    if estimator is None:
        notes.append(f"{step.name} does not estimate its LM calls")
        return Line(what, None, approximate=True, note="; ".join(notes))
    estimate = estimator(sizes)
    calls, upper = estimate.calls, estimate.upper_bound or per_run.upper_bound
    cap = step.budget.max_lm_calls
    if cap is not None and calls > cap:
        calls, upper = cap, True
        notes.append("capped by max_lm_calls")
    elif step.budget.max_cost_usd is not None:
        notes.append("max_cost_usd may stop it sooner")
    return Line(what, calls, upper, bool(per_run.unknown_loops), "; ".join(notes))


def total(sections: list[tuple[str, list[Line]]]) -> Line:
    lines = [line for _, group in sections for line in group]
    return Line(
        "total",
        sum(line.calls or 0 for line in lines),
        any(line.upper_bound for line in lines),
        any(line.approximate for line in lines),
    )


def render(source_name: str, sections: list[tuple[str, list[Line]]]) -> str:
    """The estimate as aligned text."""
    out = [f"{source_name}: LM requests this build would make (before cache hits; no LM was called)"]
    width = max((len(line.what) for _, group in sections for line in group), default=10) + 2
    for heading, group in sections:
        out.append("")
        out.append(heading)
        out.extend("  " + _row(line, width) for line in group)
    out.append("")
    out.append(_row(total(sections), width + 2))
    return "\n".join(out) + "\n"


def _row(line: Line, width: int) -> str:
    count = "?" if line.calls is None else f"{line.calls:,}"
    amount = f"{line.qualifier} {count}".strip()
    note = f"  ({line.note})" if line.note else ""
    return f"{line.what:<{width}}{amount:>16}{note}"
