"""``lmc build`` and ``lmc eval``: optimize, evaluate, record parity, emit.

Each ``optimize`` block runs its optimizer chain on the generated program,
starting from the parameters the previous block left; scores come from the
valset. Each optimizer's LMs go through a meter that enforces the budget its
option block sets (``max_lm_calls``, ``max_cost_usd``). ``evaluate`` blocks
then score the default and the optimized parameters on their dataset. The
package is rendered with the chosen parameters, imported, and run on a few
inputs to record its parity test. Writing the result (the package with
``build.json`` and ``report.html``, the lock beside the source) is
``building/writing.py``'s.

``lmc build --frozen`` renders the package again from the lock alone,
without an LM, after checking that the file, its data and the options still
match the lock.

Files describe the build's result, never this process: the lock and the
report count the LM answers the build used with the tokens and cost recorded
when each was made, the same cold, warm, frozen or resumed (an optimizer's
reused work counts as recorded: ``OptimizeResult.reused``). What this process
spent (calls made, cache hits, tokens, cost) is printed on the console only.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from ..codegen import BuildInfo, ParityCase
from ..codegen.parity import record_parity
from ..data.datasets import DataError, Dataset
from ..diagnostics.core import meant
from ..host.evaluate import EvalResult, Metric, TooManyErrors, evaluate
from ..host.loader import load_package
from ..host.metrics import MetricError
from ..host.pyref import PyRefError
from ..host.session import Session
from ..ir import nodes as ir
from ..ir.values import plain
from ..optimize import OptionError
from ..optimize.core.base import DEFAULT_MAX_ERRORS, DemoOrigin, Task, metered_task, params_key, run_optimizer
from ..optimize.core.budget import Meter, Spent, spent_of
from ..optimize.finetune import FinetuneError
from ..optimize.mipro.errors import StudyError
from ..records import record
from ..runtime.errors import LMError, ProgramError
from ..runtime.lm.cache import CacheError, flush_writes
from ..runtime.lm.client import LM
from ..runtime.lm.protocol import LanguageModel
from ..runtime.program import Program
from ..runtime.signature import Params
from ..runtime.types import to_jsonable
from ..version import __version__
from .events import Reporter
from .lock import (
    AnswerUsage,
    BlockResult,
    Lock,
    LockError,
    ScoreRow,
    StepResult,
    read_lock,
)
from .lock_inputs import build_inputs, mismatches, package_hashes, package_mismatches
from .plan import BlockPlan, plan_blocks, required

PARITY_CASES = 3
# Failures of a run that are the user's to fix (exit 3), not lmc's bugs.
RUN_FAILURES = (
    LMError,
    CacheError,
    DataError,
    PyRefError,
    OptionError,
    TooManyErrors,
    MetricError,
    StudyError,
    FinetuneError,
)
logger = logging.getLogger(__name__)


class BuildFailed(Exception):
    """A build that cannot finish for a reason the user can fix (``lmc`` exits 3): the message says what.

    ``details`` are further lines (each difference between a ``--frozen`` build and its lock).
    """

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)


@record
class BuildOutput:
    """A finished build, in memory: the package's files and the lock they were rendered from.

    ``spent`` is what this process spent (its calls, cache hits, tokens and
    cost); the lock holds what the build used, the same however it ran.
    """

    package: str
    files: Mapping[PurePosixPath, bytes]
    lock: Lock
    spent: Spent = Spent()
    truncated: int = 0  # answers the LM cut at max_tokens
    from_lock: bool = False  # ``--frozen``: rendered from the lock, no LM called


@record
class BuildRequest:
    out_dir: str = "build"
    optimize: bool = True
    seed: int | None = None
    storage: str | None = None  # optuna RDB URL shared by several build processes
    study: str | None = None
    frozen: bool = False  # emit from the lock, calling no LM
    lock: str | None = None  # the lock --frozen reads (the CLI's default: beside the source)


class UsedLms:
    """The session's LMs by name, remembering which ones this build used (to total their spending).

    ``default`` is always one: evaluations and parity runs use it. So is any
    LM the session made for a ``judge`` metric (``Session.lm_names``).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._names: set[str] = {"default"}

    def __call__(self, name: str = "default") -> LM:
        self._names.add(name)
        return self.session.lm(name)

    def replayable(self) -> bool:
        """Whether every LM of the session keeps a cache: scoring a program again would read the very answers
        its first scoring got (without one, a second scoring is a new sample, which the final score must be:
        the search's score of its winner is the best of several, biased up by the choice)."""
        return all(self.session.lm(name).cache is not None for name in self._names | set(self.session.lm_names()))

    def spent(self) -> Spent:
        """What these LMs spent, with the copies of them that modules asked for (``LM.replace``: a module
        on another declared lm, at its own temperature, with a response format)."""
        total = Spent()
        for name in sorted(self._names | set(self.session.lm_names())):
            lm = self.session.lm(name)
            for one in (lm, *lm.variants()):
                total = total + spent_of(one)
        return total


@record
class BlockOutcome:
    """One optimize block's result: the parameters and origins after it.

    ``copies`` is what its optimizers spent through copies of the session's
    LMs (a prompt model sampled at other temperatures): their meters see it,
    :meth:`UsedLms.spent` does not, so the build's total adds it. ``reused``
    is the recorded usage of work its optimizers took from an earlier run
    (``OptimizeResult.reused``): the build's files count it, the console not.
    """

    params: dict[str, Params]
    origins: dict[str, tuple[DemoOrigin, ...]]
    result: BlockResult
    copies: Spent
    reused: Spent


def _evaluate(
    session: Session,
    reporter: Reporter,
    program: Program,
    dataset: Dataset,
    metric: Metric,
    params: Mapping[str, Params],
    what: str,
    max_errors: int | None = DEFAULT_MAX_ERRORS,
) -> EvalResult:
    return _score(session, reporter, session.lm(), program, dataset, metric, params, what, max_errors)


def _score(
    session: Session,
    reporter: Reporter,
    lm: LanguageModel,
    program: Program,
    dataset: Dataset,
    metric: Metric,
    params: Mapping[str, Params],
    what: str,
    max_errors: int | None,
) -> EvalResult:
    """The program scored on the dataset; a warning when every row failed (the score then says nothing)."""
    with reporter.stage(what) as update:
        result = evaluate(
            program,
            dataset.examples,
            metric,
            lm=lm,
            params=params,
            threads=session.threads,
            on_progress=update,
            fatal=(LMError,),
            max_errors=max_errors,
        )
    if result.total and result.failed == result.total:
        first = next(r for r in result.results if r.error is not None)
        cause = (first.error or "").splitlines()[0]
        reporter.note(f"warning: {what}: every row of {dataset.name} failed ({result.total}); the first: {cause}")
    return result


def optimize_block(
    session: Session,
    plan: BlockPlan,
    params: Mapping[str, Params],
    origins: Mapping[str, tuple[DemoOrigin, ...]],
    request: BuildRequest,
    lms: UsedLms,
    reporter: Reporter,
) -> BlockOutcome:
    """Run one optimize block's chain, each optimizer within its budget, from ``params``."""
    program = session.program(plan.program)
    trainset = session.dataset(plan.trainset)
    valset = session.dataset(plan.scored_on)
    metric = session.metric(plan.metric)

    scored = f"{program.name} on {valset.name}"
    baseline = _score(session, reporter, lms(), program, valset, metric, params, f"baseline {scored}", plan.max_errors)
    _import_beside(*_PARITY_IMPORTS)
    # The block's programs scored already on these rows, with this LM and metric, none of their rows failed
    # (a search's own scoring could then not have stopped): the baseline is a candidate too (a random search's
    # zero-shot one), and a step's winner may be the next step's start, or the final program. A score a search
    # measured stands for another scoring only when the LMs replay their answers (``UsedLms.replayable``):
    # otherwise the winner's is the best of several samples, biased up by the choice.
    clean = bool(baseline.total) and not baseline.failed
    known = {params_key(program, params): baseline.score} if clean else {}
    known_runs = {params_key(program, params): baseline.results} if clean else {}
    measured = dict(known)
    current, current_origins = dict(params), dict(origins)
    steps: list[StepResult] = []
    copies = reused = Spent()
    previous: tuple = ()  # the previous optimizer's candidates, for Ensemble
    for step in plan.steps:
        meter = Meter(step.budget)
        with reporter.stage(f"{step.name} on {program.name}") as update:
            task = Task(
                program=program,
                trainset=trainset.examples,
                valset=valset.examples,
                metric=metric,
                lm=lms(),
                teacher_lm=lms(plan.teacher) if plan.teacher else None,
                initial=current,
                initial_origins=current_origins,
                seed=plan.seed,
                threads=session.threads,
                fatal=(LMError,),
                on_progress=_one_bar(update),
                lm_named=lms,
                state_dir=Path(request.out_dir) / f".{session.package}-state",
                storage=request.storage,
                study=request.study,
                candidates=previous,
                known_scores=dict(measured) if lms.replayable() else known,  # and what earlier steps measured
                known_runs=known_runs,
                replayable=lms.replayable(),
            )
            before = lms.spent()
            result = run_optimizer(step.optimizer, metered_task(task, meter))
        measured.update(result.measured)
        used = meter.spent()
        copies = copies + (used - (lms.spent() - before))
        reused = reused + result.reused
        if result.stopped:
            reporter.note(f"{step.name} on {program.name} stopped early: {result.stopped}")
        current.update(result.params)
        current_origins.update(result.origins)
        previous = result.candidates
        steps.append(
            StepResult(
                plan=step.to_json(),
                score=result.score,
                candidates=result.candidates,
                stopped=result.stopped,
                usage=AnswerUsage.of(used + result.reused),
                params=_plain_params(result.params),
                origins=dict(result.origins),
                frontier=result.frontier,
            )
        )
    final = measured.get(params_key(program, current)) if lms.replayable() else None
    if final is not None:  # the chosen program, scored already in full with no row failed: the very score
        logger.info("optimized %s: %.2f%%, as the search measured it", scored, final)
    else:
        what = f"optimized {scored}"
        final = _score(session, reporter, lms(), program, valset, metric, current, what, plan.max_errors).score
    row = ScoreRow(plan.label(), baseline.score, final)
    block = BlockResult(plan=plan.to_json(), row=row, steps=tuple(steps))
    return BlockOutcome(current, current_origins, block, copies, reused)


def _one_bar(update: Callable[[int, int], None]) -> Callable[[str, int, int], None]:
    """An optimizer's progress (``stage, done, total``) drawn on one bar, whatever the stage."""
    return lambda stage, done, total: update(done, total)


def _plain_params(params: Mapping[str, Params]) -> dict[str, Params]:
    """``params`` as their JSON form reads back, so the package renders the same from the lock."""
    return {path: _read_back(p) for path, p in params.items()}


def _read_back(p: Params) -> Params:
    """One module's: a KNN table (every module's the same, thousands of rows) is read back once."""
    plain = Params.from_json(json.loads(json.dumps(to_jsonable(replace(p, knn=None).to_json()))))
    return plain if p.knn is None else replace(plain, knn=p.knn.as_read_back())


def parity_cases(session: Session, params: Mapping[str, Params], build_info: BuildInfo) -> list[ParityCase]:
    """Record a few real runs of the final package for its parity test.

    The package is rendered with the chosen params and imported, and its own
    programs run on the first examples of each optimized program's valset:
    the recorded prompts are those of the code that ships.
    """
    package = load_package(session.render(params=params, info=build_info, importable=True), package=session.package)
    cases: list[ParityCase] = []
    for decl in session.source.of(ir.OptimizeDecl):
        opts = decl.options
        dataset = session.dataset(required(opts, "valset" if opts.get("valset") is not None else "trainset"))
        entry = package.PROGRAMS[decl.program.name]
        for example in dataset.examples[:PARITY_CASES]:
            try:
                cases.append(record_parity(entry, example.inputs(), lm=session.lm()))
            except ProgramError as exc:  # nothing to replay: the answer did not parse
                logger.info("parity run of %s failed: %s", decl.program.name, exc)
    return cases


def _build_info(session: Session, request: BuildRequest, rows: list[ScoreRow], described: list[str]) -> BuildInfo:
    text = session.loaded.text or ""
    return BuildInfo(
        lmc_version=__version__,
        source_name=Path(session.loaded.path).name,
        source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        lm=session.lm().model,
        optimizer="; ".join(described) or "none (built with --no-optimize)",
        scores=tuple(r.readme_row() for r in rows),
        # build() fills in lm_calls, the answers the whole build used (parity runs included), once they
        # are known; builds sharing a study (--storage) leave it out, as each worker splits the trials.
        seed=request.seed if request.seed is not None else _file_seed(session),
    )


def _file_seed(session: Session) -> int | None:
    """The seed the optimize blocks ran with (0 when a block names none)."""
    seeds = [d.options.get("seed") for d in session.source.of(ir.OptimizeDecl)]
    return plain(seeds[0]) if seeds and seeds[0] is not None else (0 if seeds else None)


def _inputs(session: Session, request: BuildRequest) -> dict[str, Any]:
    return build_inputs(
        session.source,
        source_text=session.loaded.text or "",
        base_dir=session.base_dir,
        lm_override=session.settings.override,
        seed=request.seed,
        optimize=request.optimize,
    )


def build(session: Session, request: BuildRequest, reporter: Reporter | None = None) -> BuildOutput:
    """Optimize, evaluate and render the package, in memory; raises ``BuildFailed``.

    Nothing is written: ``emit`` writes a result (the CLI does, after the build).
    """
    reporter = reporter or Reporter()
    if request.frozen:
        return build_frozen(session, request)
    lms = UsedLms(session)
    params: dict[str, Params] = {}
    origins: dict[str, tuple[DemoOrigin, ...]] = {}
    trainsets: dict[str, str] = {}
    blocks: list[BlockResult] = []
    copies = reused = Spent()
    rows: list[ScoreRow] = []
    try:
        inputs = _inputs(session, request)
        plans = plan_blocks(session.source, request.seed) if request.optimize else ()
        for plan in plans:
            outcome = optimize_block(session, plan, params, origins, request, lms, reporter)
            params, origins = _plain_params(outcome.params), outcome.origins
            trainsets.update({path: plan.trainset for step in outcome.result.steps for path in step.params})
            blocks.append(outcome.result)
            rows.append(outcome.result.row)
            copies = copies + outcome.copies
            reused = reused + outcome.reused
        if request.optimize:
            for decl in session.source.of(ir.EvaluateDecl):
                rows.append(evaluate_block(session, reporter, decl, params))
        described = [f"{plan.program}: {plan.describe()}" for plan in plans]
        build_info = _build_info(session, request, rows, described)
        cases = parity_cases(session, params, build_info) if params else []
        total = lms.spent() + copies  # what this process spent
        usage = AnswerUsage.of(total + reused)  # what the build used
        if request.storage is None:
            build_info = replace(build_info, lm_calls=usage.answers)
        files = session.render(params=params or None, parity=cases, info=build_info)  # indexes bm25 corpora
        flush_writes()  # every answer the build used is in the LM cache's file before it reports
    except RUN_FAILURES as exc:
        raise BuildFailed(str(exc)) from exc
    lock = Lock(
        inputs=inputs,
        blocks=tuple(blocks),
        scores=tuple(rows),
        params=params,
        origins={path: origins.get(path, ()) for path in params},
        trainsets={path: trainsets[path] for path in params if path in trainsets},
        instructions=_default_instructions(session, params),
        build=build_info,
        parity=tuple(cases),
        package=package_hashes(files),
        usage=usage,
    )
    return BuildOutput(session.package, files, lock, total, session.lm().usage.truncated)


# What the parity runs' first call imports, the package's result models made: BaseModel's module, the
# field and type modules, and pydantic's plugin loader (which brings importlib.metadata, zipfile and the
# email package along to find plugins): ~50 ms after the last answer, measured with every module new.
_PARITY_IMPORTS = ("pydantic.main", "pydantic.fields", "pydantic.types", "pydantic.plugin._loader")


def _import_beside(*names: str) -> None:
    """Import ``names``, in order, in a thread of its own while the search waits on its LMs.

    The parity runs after the search are the package's first calls, which
    load pydantic: ~50 ms after the last answer, where during the search the
    interpreter is mostly idle, its threads waiting on the LMs (it starts
    after the baseline, so that the first requests go out first). An import
    that fails here is left to the parity runs, which import it again and
    report it. The runs meanwhile never read a module half made: the
    runtime asks about pydantic through ``sys.modules`` with defaults
    (``runtime/types.py``), and an ``import`` waits for the other thread.
    """
    missing = [name for name in names if name not in sys.modules]
    if not missing:
        return

    def load() -> None:
        for name in missing:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    threading.Thread(target=load, name=f"lmc-import-{missing[0]}", daemon=True).start()


def _default_instructions(session: Session, params: Mapping[str, Params]) -> dict[str, str]:
    """Each optimized module's instructions before optimizing (its signature's), for the report's diffs."""
    defaults: dict[str, Params] = {}
    for decl in session.source.of(ir.ProgramDecl) if params else ():
        defaults.update(session.program(decl.name.name).default_params())
    return {path: defaults[path].instructions for path in params if path in defaults}


def build_frozen(session: Session, request: BuildRequest) -> BuildOutput:
    """The package rendered from the lock with no LM call, when the build still matches the lock."""
    if request.lock is None:
        raise BuildFailed("--frozen: no lock given (build once without --frozen to write one)")
    lock_path = Path(request.lock)
    try:
        lock = read_lock(lock_path)
        plans = plan_blocks(session.source, request.seed) if request.optimize else ()
        problems = mismatches(lock, _inputs(session, request), plans)
        files: Mapping[PurePosixPath, bytes] = {}
        if not problems:
            files = session.render(params=dict(lock.params) or None, parity=lock.parity, info=lock.build)
            problems = package_mismatches(lock, files)
    except (LockError, OptionError, DataError) as exc:
        raise BuildFailed(f"--frozen: {exc}") from exc
    if problems:
        raise BuildFailed(f"--frozen: this build does not match {lock_path}:", problems)
    return BuildOutput(session.package, files, lock, from_lock=True)


def evaluate_block(
    session: Session, reporter: Reporter, decl: ir.EvaluateDecl, params: Mapping[str, Params]
) -> ScoreRow:
    metric_name = required(decl.options, "metric")
    program = session.program(decl.program.name)
    dataset = session.dataset(required(decl.options, "dataset"))
    metric = session.metric(metric_name)
    base = _evaluate(session, reporter, program, dataset, metric, {}, f"evaluate {program.name} (baseline)")
    tuned = (
        _evaluate(session, reporter, program, dataset, metric, params, f"evaluate {program.name} (optimized)")
        if params
        else None
    )
    label = f"{program.name} on {dataset.name} (evaluate, {metric_name})"
    return ScoreRow(label, base.score, tuned.score if tuned else None)


@record
class Evaluation:
    """``lmc eval``'s result: the program scored on a dataset with a metric."""

    program: str
    dataset: str
    metric: str
    result: EvalResult


def evaluate_program(
    session: Session,
    program_name: str,
    dataset_name: str,
    metric_name: str | None,
    reporter: Reporter | None = None,
) -> Evaluation:
    """Score the program with the session's parameters (learned, or the defaults); raises ``BuildFailed``."""
    names = {d.name.name for d in session.source.of(ir.ProgramDecl)}
    if program_name not in names:
        raise BuildFailed(
            f"no program `{program_name}` (programs: {', '.join(sorted(names))}){meant(program_name, names)}"
        )
    datasets = {d.name.name for d in session.source.of(ir.DatasetDecl)}
    if dataset_name not in datasets:
        raise BuildFailed(
            f"no dataset `{dataset_name}` (datasets: {', '.join(sorted(datasets)) or 'none'}){meant(dataset_name, datasets)}"
        )
    if metric_name is None:
        for decl in session.source.of(ir.EvaluateDecl) + session.source.of(ir.OptimizeDecl):
            if decl.program.name == program_name and decl.options.get("metric") is not None:
                metric_name = required(decl.options, "metric")
                break
    if metric_name is None or metric_name not in {d.name.name for d in session.source.of(ir.MetricDecl)}:
        raise BuildFailed("no metric for this program: pass --metric NAME")
    try:
        program = session.program(program_name)
        dataset = session.dataset(dataset_name, program_name)
        metric = session.metric(metric_name)
        what = f"eval {program_name}"
        params = dict(session.params or {})
        result = _evaluate(session, reporter or Reporter(), program, dataset, metric, params, what, max_errors=None)
        flush_writes()
    except RUN_FAILURES as exc:
        raise BuildFailed(str(exc)) from exc
    return Evaluation(program_name, dataset_name, metric_name, result)
