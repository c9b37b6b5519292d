"""What every optimizer takes and returns.

An optimizer gets a :class:`Task` (the program, its data, the metric, the LMs,
the starting parameters and a seed, all explicit) and returns an
:class:`OptimizeResult`: new :class:`Params` per module, never a mutated
program. Optimizers only use the generic ``Program`` interface (``run``,
``module_paths``, ``default_params``) and the traces that runs record.

Budgets (``max_lm_calls``, ``max_cost_usd``; see ``budget.py``) need no code
in an optimizer to be enforced, only to stop well: an optimizer that scores
candidates records them in a :class:`Search` and runs its loop inside
``search.until_budget()``, and it then returns the best candidate scored
before the budget ran out. :func:`run_optimizer` stops any other optimizer
cleanly, with its starting parameters. ``estimate_calls`` tells
``lmc build --dry-run`` how many LM requests an optimizer will make.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import Field, field, replace
from pathlib import Path
from typing import Any, ClassVar, Literal, NamedTuple, Protocol

from ...data.datasets import Example
from ...host.evaluate import ExampleResult, Fatal, Metric
from ...records import record
from ...runtime.errors import LMError
from ...runtime.lm.protocol import LanguageModel, Messages, Scored
from ...runtime.program import Program
from ...runtime.signature import Params
from ...runtime.types import to_jsonable
from .budget import BudgetExhausted, Meter, Spent, metered_metric
from .forwarding import Forwarding, replaced

logger = logging.getLogger(__name__)

# DSPy's ``settings.max_errors``: what ``max_errors: none`` means.
DEFAULT_MAX_ERRORS = 10


def params_key(program: Program, params: Mapping[str, Params]) -> str:
    """``params`` for every module of ``program`` (a module without its own: its defaults), as canonical JSON."""
    defaults = program.default_params()
    every = {path: to_jsonable((params.get(path) or defaults[path]).to_json()) for path in program.module_paths}
    return json.dumps(every, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@record(kw_only=True)
class Task:
    """Everything an optimizer may use, passed explicitly (no global settings).

    ``initial`` holds the parameters to start from (a previous optimizer's
    result in a chain); modules missing from it start from
    ``program.default_params()``. ``teacher_lm`` runs the program while
    bootstrapping demos; without it the task's ``lm`` does.

    ``rollout_lm(lm, i)`` returns a copy of ``lm`` that draws a fresh sample
    ``i`` at temperature 1.0, bypassing any cache (DSPy's
    ``lm.copy(rollout_id=i, temperature=1.0)``); bootstrapping rounds after
    the first use it. Without it those rounds reuse the same LM.

    ``fatal`` lists exception types that stop the optimizer at once (an LM
    that cannot be reached, by default: its transient failures were already
    retried by the LM, so they are never a candidate's low score); any other
    failure of one run is that run's failure. ``initial_origins`` says where
    the demos of ``initial`` came from (parallel to each module's demos).
    ``on_progress(stage, done, total)`` and ``on_candidate(label, score)``
    report progress; both are called from the optimizer's thread.

    ``lm_named(name)`` returns the LM a file declares as ``lm NAME`` (for
    options such as ``prompt_model: strong``). ``state_dir`` is a folder the
    optimizer may keep resumable state in (next to the build); ``storage``
    and ``study`` name an optuna RDB storage and study shared by several
    build processes (``lmc build --storage URL --study NAME``).
    ``candidates`` are the previous optimizer's scored candidates in a chain
    (with their parameters), in the order it scored them. ``known_scores``
    holds valset scores the build has already measured with this task's LM
    and metric, by :func:`params_key` (the block's baseline, run without a
    failed row): an optimizer may take a candidate's score from it rather
    than score the very same program again. ``known_runs`` holds the same
    scorings row by row (their results in valset order), for an optimizer
    that needs each row's score (GEPA's starting program). ``replayable``
    says that scoring the very same program on the same rows again would
    read the very same answers (every LM keeps a cache): an optimizer may
    then take a score it measured itself, with no failed row, rather than
    score that program again.
    """

    program: Program
    trainset: tuple[Example, ...]
    valset: tuple[Example, ...] = ()
    metric: Metric
    lm: LanguageModel
    teacher_lm: LanguageModel | None = None
    initial: Mapping[str, Params] = field(default_factory=dict)
    initial_origins: Mapping[str, tuple[DemoOrigin, ...]] = field(default_factory=dict)
    seed: int = 0
    threads: int = 1
    metric_threshold: float | None = None
    fatal: Fatal = (LMError,)
    rollout_lm: Callable[[LanguageModel, int], LanguageModel] | None = None
    on_progress: Callable[[str, int, int], None] | None = None
    on_candidate: Callable[[str, float], None] | None = None
    lm_named: Callable[[str], LanguageModel] | None = None
    state_dir: Path | None = None
    storage: str | None = None
    study: str | None = None
    candidates: tuple[Candidate, ...] = ()
    known_scores: Mapping[str, float] = field(default_factory=dict)
    known_runs: Mapping[str, tuple[ExampleResult, ...]] = field(default_factory=dict)
    replayable: bool = False

    def start_params(self) -> dict[str, Params]:
        """The parameters each module starts from: ``initial``, else the defaults."""
        defaults = self.program.default_params()
        return {path: self.initial.get(path, defaults[path]) for path in self.program.module_paths}

    @property
    def trains_on_valset(self) -> bool:
        """Whether the trainset is the valset, the very rows (a block without a ``valset``, or naming one
        dataset for both): an optimizer's trainset scoring is then the build's valset scoring."""
        return bool(self.valset) and self.trainset is self.valset

    def known_score(self, params: Mapping[str, Params]) -> float | None:
        """The valset score of ``params`` when the build has measured it already (``known_scores``)."""
        if not self.known_scores:
            return None
        return self.known_scores.get(params_key(self.program, params))

    def known_run(self, params: Mapping[str, Params]) -> tuple[ExampleResult, ...] | None:
        """The valset results of ``params``, row by row, when the build has them already (``known_runs``)."""
        if not self.known_runs:
            return None
        return self.known_runs.get(params_key(self.program, params))

    def start_origins(self) -> dict[str, tuple[DemoOrigin, ...]]:
        """Where the demos of :meth:`start_params` came from (none for modules starting from defaults)."""
        return {path: tuple(self.initial_origins.get(path, ())) for path in self.program.module_paths}

    def named_lm(self, name: str | None) -> LanguageModel:
        """The LM declared as ``lm NAME``; the task's own LM for None."""
        if name is None:
            return self.lm
        if self.lm_named is None:
            raise ValueError(f"this task cannot resolve the lm `{name}`")
        return self.lm_named(name)

    def progress(self, stage: str, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(stage, done, total)


@record
class DemoOrigin:
    """Where one demo came from: trainset example ``index``, run by the teacher
    and kept because the run passed the metric (``bootstrapped``), or copied
    from the example's fields as loaded (``labeled``)."""

    kind: Literal["bootstrapped", "labeled"]
    index: int


@record
class Demo:
    """A demo value (field name -> JSON value) with its origin."""

    value: Mapping[str, Any]
    origin: DemoOrigin


class Candidate(NamedTuple):
    """One set of parameters an optimizer scored (score in percent).

    ``params`` and ``origins`` are the candidate itself, kept by optimizers
    that score through :class:`Search` so that a next optimizer in the chain
    (``Ensemble``) can use them; a candidate read back from the lock has
    its label and score only (and ``chosen``). ``chosen`` marks the one the
    optimizer chose, where the first candidate with the winning score is not
    it (SIMBA's minibatch scores and trainset scores share one list); the
    report marks that one.
    """

    label: str
    score: float
    params: Mapping[str, Params] | None = None
    origins: Mapping[str, tuple[DemoOrigin, ...]] | None = None
    chosen: bool = False


@record
class Frontier:
    """A Pareto search's candidates in detail (GEPA's): their lineage and their score on each valset row.

    Candidate ``i`` is the ``i``-th of the optimizer's ``candidates``.
    ``parents[i]`` are the candidates it was made from (none for the
    starting one, one for a reflection, two for a merge); ``rows[i]`` its
    score on each valset row, in the valset's order. On a row, the
    frontier is the candidates with the row's best score (:meth:`best`).
    ``notes`` say what each step of the search did, in order.
    """

    parents: tuple[tuple[int, ...], ...]
    rows: tuple[tuple[float, ...], ...]
    notes: tuple[str, ...] = ()

    def best(self, row: int) -> tuple[int, ...]:
        """The candidates with the best score on valset row ``row`` (every one when none was scored)."""
        scores = [r[row] for r in self.rows]
        top = max(scores, default=0.0)
        return tuple(i for i, s in enumerate(scores) if s == top)


@record
class OptimizeResult:
    """New parameters for every module, and how they were found.

    ``origins[path]`` runs parallel to ``params[path].demos``. ``score`` is
    the chosen parameters' validation score in percent, or None when the
    optimizer does not evaluate (LabeledFewShot, BootstrapFewShot).
    ``lm_calls`` counts every LM request the optimizer made, teacher's included.
    ``stopped`` says why the optimizer ended early (its LM budget ran out),
    None when it ran to the end. ``reused`` is the LM usage of work this run
    took from an earlier one instead of doing it (MIPROv2's completed trials
    in a resumed study), as recorded then: the build counts it with what its
    meter saw, so a resumed run records the usage of an uninterrupted one.
    ``frontier`` is a Pareto search's lineage and per-row scores of its
    ``candidates`` (GEPA), None for the others. ``measured`` holds valset
    scores the build may take as they are, by :func:`params_key`: programs
    the optimizer scored on the task's whole valset with the task's LM and
    metric, no metric threshold, and not a row failed (the build's final
    scoring of the chosen program is then that score, not a second run).
    """

    params: dict[str, Params]
    origins: dict[str, tuple[DemoOrigin, ...]]
    score: float | None = None
    candidates: tuple[Candidate, ...] = ()
    lm_calls: int = 0
    stopped: str | None = None
    reused: Spent = Spent()
    frontier: Frontier | None = None
    measured: Mapping[str, float] = field(default_factory=dict)


@record
class TaskSizes:
    """What an optimizer's LM call count depends on, known before any call.

    ``valset`` is the valset's size (the trainset's when the block has none);
    ``run_calls`` the LM requests one scored run makes, counted statically
    from the program (one per module call, loops multiplied) and the metric
    (one more for a ``judge``): every run an optimizer makes is scored.
    ``valset_given`` is False when the block has no valset (``valset`` is
    then the trainset's size).
    """

    trainset: int
    valset: int
    run_calls: int
    modules: int = 1
    valset_given: bool = True


@record
class CallEstimate:
    """LM requests an optimizer will make, before cache hits.

    ``upper_bound`` is set when the optimizer may stop sooner (a bootstrap
    stops once it has its demos; a search stops at ``stop_at_score``).
    """

    calls: int
    upper_bound: bool = False


class Optimizer(Protocol):
    """An optimizer: its options are its (frozen dataclass) fields.

    ``estimate_calls(sizes)`` is what ``lmc build --dry-run`` prints: the LM
    requests ``compile`` would make for data of these sizes, with the same
    options, counted as if no answer came from the cache. It must not call
    an LM; an optimizer without it is listed as "not estimated".
    """

    name: ClassVar[str]
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]  # a dataclass, whose fields are its options

    def compile(self, task: Task) -> OptimizeResult: ...

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate: ...


class BudgetStop:
    """Ends a block of optimizer code cleanly when the LM budget runs out.

    ``with stop.catching("bootstrap"): ...`` swallows :class:`BudgetExhausted`
    raised inside, logs it, and keeps its message in ``reason`` (None while
    the budget lasts) and the exception in ``error``, for code that must pass
    it on after tidying up.
    """

    def __init__(self) -> None:
        self.error: BudgetExhausted | None = None

    @property
    def reason(self) -> str | None:
        return None if self.error is None else str(self.error)

    @contextlib.contextmanager
    def catching(self, what: str) -> Iterator[None]:
        try:
            yield
        except BudgetExhausted as exc:
            self.error = exc
            logger.warning("%s stopped early: %s", what, exc)


class Search:
    """The candidates an optimizer scores, in order, and the best so far.

    This is the budget hook for optimizers that score candidates::

        search = Search(task, self.name)
        with search.until_budget():
            for ...:
                params, origins = ...            # propose a candidate
                score = evaluate(...).score      # LM calls: may run out of budget
                search.record(label, score, params, origins)
        return search.result(lm_calls=calls.count)

    When the budget runs out inside the loop, the candidate being proposed or
    scored is dropped, the loop ends, and :meth:`result` returns the best
    candidate recorded: the first one with the highest score (a later one
    must be strictly better), or the task's starting parameters when none
    was recorded. ``record`` also reports each candidate through
    ``task.on_candidate``.
    """

    def __init__(self, task: Task, name: str) -> None:
        self.task = task
        self.name = name
        self.candidates: list[Candidate] = []
        self._best: tuple[float, dict[str, Params], dict[str, tuple[DemoOrigin, ...]]] | None = None
        self._stop = BudgetStop()

    def record(
        self,
        label: str,
        score: float,
        params: Mapping[str, Params],
        origins: Mapping[str, tuple[DemoOrigin, ...]],
    ) -> bool:
        """Keep one scored candidate; True when it is the new best."""
        self.candidates.append(Candidate(label, score, dict(params), dict(origins)))
        if self.task.on_candidate is not None:
            self.task.on_candidate(label, score)
        if self._best is not None and score <= self._best[0]:
            return False
        self._best = (score, dict(params), dict(origins))
        return True

    @property
    def best_score(self) -> float | None:
        return None if self._best is None else self._best[0]

    @property
    def stopped(self) -> str | None:
        return self._stop.reason

    def until_budget(self) -> contextlib.AbstractContextManager[None]:
        """The search loop's context: a budget running out ends the loop, not the build."""
        return self._stop.catching(self.name)

    def result(self, *, lm_calls: int = 0) -> OptimizeResult:
        if self._best is None:
            score, params, origins = None, self.task.start_params(), self.task.start_origins()
        else:
            score, params, origins = self._best
        return OptimizeResult(
            params=params,
            origins=origins,
            score=score,
            candidates=tuple(self.candidates),
            lm_calls=lm_calls,
            stopped=self.stopped,
        )


def run_optimizer(optimizer: Optimizer, task: Task) -> OptimizeResult:
    """``optimizer.compile(task)``, stopped cleanly by a budget the optimizer did not handle itself.

    Such an optimizer keeps its starting parameters: what it found before the
    budget ran out is lost, but the build goes on with the previous result.
    """
    try:
        return optimizer.compile(task)
    except BudgetExhausted as exc:
        logger.warning("%s stopped early and keeps its starting parameters: %s", optimizer.name, exc)
        return OptimizeResult(params=task.start_params(), origins=task.start_origins(), stopped=str(exc))


def with_demos(
    start: Mapping[str, Params], demos: Mapping[str, Sequence[Demo]]
) -> tuple[dict[str, Params], dict[str, tuple[DemoOrigin, ...]]]:
    """New params whose demos are ``demos[path]`` (instructions kept), and their origins."""
    params: dict[str, Params] = {}
    origins: dict[str, tuple[DemoOrigin, ...]] = {}
    for path, base in start.items():
        chosen = tuple(demos.get(path, ()))
        params[path] = replace(base, demos=tuple(dict(d.value) for d in chosen))
        origins[path] = tuple(d.origin for d in chosen)
    return params, origins


def labeled_demo(trainset: Sequence[Example], index: int) -> Demo:
    """A raw labeled demo: the example's fields exactly as loaded."""
    return Demo(dict(trainset[index]), DemoOrigin("labeled", index))


class CallCounter:
    """Counts the LM requests of one optimizer run, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def add(self) -> None:
        with self._lock:
            self._count += 1

    def wrap(self, lm: LanguageModel) -> LanguageModel:
        return _CountedLM(lm, self)


class _CountedLM(Forwarding):
    """An LM that counts its requests and forwards everything else unchanged."""

    def __init__(self, lm: LanguageModel, counter: CallCounter) -> None:
        super().__init__(lm)
        self._counter = counter

    def complete(self, messages: Messages) -> str:
        self._counter.add()
        return self.lm.complete(messages)

    async def acomplete(self, messages: Messages) -> str:
        self._counter.add()
        return await self.lm.acomplete(messages)

    def complete_scored(self, messages: Messages) -> Scored:
        self._counter.add()
        return self.lm.complete_scored(messages)

    async def acomplete_scored(self, messages: Messages) -> Scored:
        self._counter.add()
        return await self.lm.acomplete_scored(messages)

    def replace(self, **changes: Any) -> LanguageModel:
        """A changed copy of the LM (a rollout at another temperature), counted by the same counter."""
        return _CountedLM(replaced(self.lm, **changes), self._counter)


def metered_task(task: Task, meter: Meter) -> Task:
    """``task`` with every LM it can hand out, and its metric's, going through ``meter``."""
    lm_named, rollout_lm = task.lm_named, task.rollout_lm
    return replace(
        task,
        metric=metered_metric(task.metric, meter),
        lm=meter.wrap(task.lm),
        teacher_lm=meter.wrap(task.teacher_lm),
        lm_named=None if lm_named is None else (lambda name: meter.wrap(lm_named(name))),
        rollout_lm=None if rollout_lm is None else (lambda lm, i: meter.wrap(rollout_lm(lm, i))),
    )
