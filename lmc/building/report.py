"""``report.html``: one self-contained page about a build, readable offline.

Rendered from the lock alone (what the build decided: scores, every
candidate, the chosen instructions and demos with their origins, and the LM
answers it used), with ``templates/report.html.jinja``. The template is
autoescaped, so text from files and LMs is always shown as text; the page has
inline CSS and an inline SVG chart and no script. All the arithmetic (chart
coordinates, word diffs) happens here, in view-models.

The page describes the build's result, never the process that wrote it: the
usage section counts the answers the build used, from the LM or its cache,
with the tokens and cost recorded when each was made. A cold build, a rebuild
from a warm cache and ``lmc build --frozen`` therefore write the same bytes;
what one run spent goes to the console.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..codegen.render import template_cache
from ..optimize.core.base import Candidate, DemoOrigin, Frontier
from ..records import record
from ..resources import resource_dir
from .lock import AnswerUsage, BlockResult, Lock, StepResult

TEMPLATE = "report.html.jinja"
REPORT_NAME = "report.html"
_PREVIEW = 400  # characters of a demo shown

# ---------------------------------------------------------- view-models


@record
class Segment:
    """A run of words in an instruction diff: ``same``, ``del`` (old only) or ``ins`` (new only)."""

    op: str
    text: str


@record
class Point:
    x: float
    y: float
    label: str
    best: bool


@record
class Chart:
    """An SVG chart of candidate scores in trial order, and the best score so far."""

    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    points: tuple[Point, ...]
    best_line: str  # SVG polyline points
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]


@record
class LineageView:
    """One candidate of a Pareto search: its number (the optimizer's), its parents, score and frontier rows."""

    number: int
    parents: str
    score: str
    best_rows: int  # valset rows on which it has the best score
    chosen: bool


@record
class FrontierView:
    """A Pareto search (GEPA): the candidates' lineage, the frontier on each valset row, a note per step."""

    valset: str
    lineage: tuple[LineageView, ...]
    rows: tuple[tuple[int, str, str], ...]  # row number (1-based), best score, the candidates with it
    notes: tuple[str, ...]


@record
class StepView:
    number: int
    title: str
    options: str
    score: str
    stopped: str | None
    answers: int
    candidates: tuple[tuple[int, str, str, bool], ...]  # number, label, score, chosen
    chart: Chart | None
    frontier: FrontierView | None = None


@record
class BlockView:
    title: str
    details: str
    baseline: str
    optimized: str
    steps: tuple[StepView, ...]


@record
class DemoView:
    origin: str
    preview: str


@record
class ModuleView:
    path: str
    changed: bool
    diff: tuple[Segment, ...]
    demos: tuple[DemoView, ...]
    choice_bias: tuple[str, ...] = ()  # "field: value +0.66" per biased value (Calibrate)


@record
class ScoreView:
    label: str
    baseline: str
    optimized: str
    change: str


@record
class UsageView:
    """One row of the usage table, as shown: counts, or "at least ..." / "unknown" where answers lack a record."""

    what: str
    answers: str
    prompt_tokens: str
    completion_tokens: str
    cost_usd: str


@record
class ReportView:
    title: str
    facts: tuple[tuple[str, str], ...]
    scores: tuple[ScoreView, ...]
    blocks: tuple[BlockView, ...]
    modules: tuple[ModuleView, ...]
    usage: tuple[UsageView, ...]  # per optimizer step, then the whole build
    unrecorded: int  # answers of the build whose tokens and cost the cache did not record


# ------------------------------------------------------------- building


def render_report(lock: Lock) -> str:
    """The whole page, as text."""
    return _environment().get_template(TEMPLATE).render(report=report_view(lock))


@functools.cache
def _environment() -> Environment:
    """The report's environment (HTML: autoescaped), its compiled template kept as the package's are."""
    return Environment(
        bytecode_cache=template_cache(),
        loader=FileSystemLoader(resource_dir("templates")),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def report_view(lock: Lock) -> ReportView:
    build = lock.build
    facts = (
        ("source", f"{build.source_name} (sha256 {build.source_sha256[:12]})"),
        ("lmc", build.lmc_version),
        ("model", build.lm or "-"),
        ("seed", "-" if build.seed is None else str(build.seed)),
        ("optimizers", build.optimizer or "-"),
        ("LM requests", "-" if build.lm_calls is None else f"{build.lm_calls:,} (cached or not)"),
    )
    usage = [
        _usage(f"optimize {block.program}, {n + 1}. {step.plan['optimizer']}", step.usage)
        for block in lock.blocks
        for n, step in enumerate(block.steps)
    ]
    return ReportView(
        title=f"{build.source_name}: lmc build report",
        facts=facts,
        scores=tuple(_score(r.label, r.baseline, r.optimized) for r in lock.scores),
        blocks=tuple(_block(b) for b in lock.blocks),
        modules=tuple(_module(lock, path) for path in sorted(lock.params)),
        usage=(*usage, _usage("the whole build", lock.usage)),
        unrecorded=lock.usage.unrecorded,
    )


def _usage(what: str, usage: AnswerUsage) -> UsageView:
    """A usage row; figures that leave out unrecorded answers say "at least", or "unknown" when none was recorded."""

    def shown(text: str) -> str:
        if not usage.unrecorded:
            return text
        return "unknown" if usage.unrecorded == usage.answers else f"at least {text}"

    return UsageView(
        what=what,
        answers=f"{usage.answers:,}",
        prompt_tokens=shown(f"{usage.prompt_tokens:,}"),
        completion_tokens=shown(f"{usage.completion_tokens:,}"),
        cost_usd=shown(f"{usage.cost_usd:.4f}"),
    )


def _score(label: str, baseline: float | None, optimized: float | None) -> ScoreView:
    change = "-" if baseline is None or optimized is None else f"{optimized - baseline:+.1f}"
    return ScoreView(label, _percent(baseline), _percent(optimized), change)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _block(block: BlockResult) -> BlockView:
    plan = block.plan
    details = f"metric {plan['metric']}, demos from {plan['trainset']}, scored on {plan['valset'] or plan['trainset']}"
    if plan.get("teacher"):
        details += f", teacher lm {plan['teacher']}"
    details += f", seed {plan['seed']}"
    return BlockView(
        title=f"optimize {block.program}",
        details=details,
        baseline=_percent(block.row.baseline),
        optimized=_percent(block.row.optimized),
        steps=tuple(_step(n, s, plan["valset"] or plan["trainset"]) for n, s in enumerate(block.steps)),
    )


def _step(number: int, step: StepResult, valset: str) -> StepView:
    plan = step.plan
    options = ", ".join(f"{k}: {json.dumps(v)}" for k, v in sorted(plan["options"].items()))
    budget = plan.get("budget") or {}
    if budget:
        options += "; budget " + ", ".join(f"{k}: {json.dumps(v)}" for k, v in sorted(budget.items()))
    chosen = _chosen(step.candidates, step.score)
    return StepView(
        number=number + 1,
        title=str(plan["optimizer"]),
        options=options or "defaults",
        score="not scored" if step.score is None else f"{step.score:.1f}",
        stopped=step.stopped,
        answers=step.usage.answers,
        candidates=tuple((i + 1, c.label, f"{c.score:.1f}", i == chosen) for i, c in enumerate(step.candidates)),
        chart=chart(step.candidates) if step.candidates else None,
        frontier=None if step.frontier is None else _frontier(step.frontier, step.candidates, chosen, valset),
    )


def _frontier(frontier: Frontier, candidates: Sequence[Candidate], chosen: int | None, valset: str) -> FrontierView:
    """Who came from whom, and which candidates are best on each valset row."""
    rows = len(frontier.rows[0]) if frontier.rows else 0
    best = [frontier.best(r) for r in range(rows)]
    lineage = tuple(
        LineageView(
            number=i,
            parents=" and ".join(map(str, parents)) or "-",
            score=f"{candidates[i].score:.1f}" if i < len(candidates) else "-",
            best_rows=sum(i in b for b in best),
            chosen=i == chosen,
        )
        for i, parents in enumerate(frontier.parents)
    )
    shown = tuple(
        (r + 1, f"{frontier.rows[b[0]][r]:g}" if b else "-", ", ".join(map(str, b))) for r, b in enumerate(best)
    )
    return FrontierView(valset=valset, lineage=lineage, rows=shown, notes=frontier.notes)


def _chosen(candidates: Sequence[Candidate], score: float | None) -> int | None:
    """The index of the chosen candidate: the one the optimizer marked, else the first with the winning score."""
    for i, c in enumerate(candidates):
        if c.chosen:
            return i
    for i, c in enumerate(candidates):
        if score is not None and c.score == score:
            return i
    return None


def chart(candidates: Sequence[Candidate], width: int = 640, height: int = 240) -> Chart:
    """Each candidate's score (0-100) by trial number, and the best so far as a step line."""
    left, top, right, bottom = 44, 12, 12, 32
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(candidates)

    def x(i: int) -> float:
        return round(left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1)), 2)

    def y(score: float) -> float:
        return round(top + plot_h * (1 - min(max(score, 0.0), 100.0) / 100), 2)

    points: list[Point] = []
    line: list[str] = []
    best: float | None = None
    for i, c in enumerate(candidates):
        if best is None or c.score > best:
            if best is not None:
                line.append(f"{x(i)},{y(best)}")
            best, improved = c.score, True
        else:
            improved = False
        line.append(f"{x(i)},{y(best)}")
        points.append(Point(x(i), y(c.score), f"{i + 1}. {c.label}: {c.score:.1f}", improved))
    step = max(1, round(n / 10))
    return Chart(
        width=width,
        height=height,
        left=left,
        top=top,
        plot_width=plot_w,
        plot_height=plot_h,
        points=tuple(points),
        best_line=" ".join(line),
        y_ticks=tuple((y(v), str(v)) for v in (0, 25, 50, 75, 100)),
        x_ticks=tuple((x(i), str(i + 1)) for i in range(0, n, step)),
    )


def _module(lock: Lock, path: str) -> ModuleView:
    params = lock.params[path]
    old = lock.instructions.get(path, params.instructions)
    origins = lock.origins.get(path, ())
    trainset = lock.trainsets.get(path, "trainset")
    demos = tuple(
        DemoView(_origin(origins[i] if i < len(origins) else None, trainset), _preview(demo))
        for i, demo in enumerate(params.demos)
    )
    bias = tuple(
        f"{name}: {value} {amount:+.4g}"
        for name, values in params.choice_bias.items()
        for value, amount in values.items()
    )
    return ModuleView(path, old != params.instructions, word_diff(old, params.instructions), demos, bias)


def _origin(origin: DemoOrigin | None, trainset: str) -> str:
    if origin is None:
        return "origin not recorded"
    if origin.kind == "bootstrapped":
        return f"bootstrapped: a run on {trainset}[{origin.index}] that passed the metric"
    return f"labeled: {trainset}[{origin.index}] as loaded"


def _preview(demo: Mapping[str, Any]) -> str:
    text = json.dumps(dict(demo), ensure_ascii=False, sort_keys=False)
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"


_WORDS = re.compile(r"\s+|\w+|[^\w\s]+")


def word_diff(old: str, new: str) -> tuple[Segment, ...]:
    """``old`` -> ``new`` word by word (whitespace runs are words too), adjacent runs merged."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    segments: list[Segment] = []

    def add(op: str, words: Sequence[str]) -> None:
        text = "".join(words)
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1] = Segment(op, segments[-1].text + text)
        else:
            segments.append(Segment(op, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("same", a[i1:i2])
        else:
            add("del", a[i1:i2])
            add("ins", b[j1:j2])
    return tuple(segments)
