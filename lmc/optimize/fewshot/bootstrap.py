"""BootstrapFewShot: demos from the teacher's own successful runs, topped up with labeled ones.

DSPy's procedure, step by step (``dspy/teleprompt/bootstrap.py``):

1. The teacher is the program with the starting parameters. When those carry
   no demos (an "uncompiled" teacher) and ``max_labeled_demos`` is not 0, it
   first gets LabeledFewShot(k=max_labeled_demos) demos. Demos already present
   (a previous optimizer's result in a chain) are kept, as DSPy keeps a
   compiled teacher's.
2. Trainset examples are tried in order until ``max_bootstrapped_demos`` of
   them have succeeded. Each try runs the teacher on the example's inputs,
   with that example removed from the teacher's demos, and succeeds when the
   metric passes on the *whole program's* outputs. Up to ``max_rounds`` tries
   per example; tries after the first use a fresh rollout of the teacher LM
   (``Task.rollout_lm``). A failing run counts as an error; the
   ``max_errors``-th error stops the optimizer (none means DSPy's 10).
3. A successful run gives each module one demo from its own trace entries
   (its inputs and outputs). A module called several times in the run keeps
   one of those calls, chosen like DSPy (50/50 between the last call and a
   random earlier one, from a generator seeded by the calls' content).
4. The examples that did not succeed, shuffled, are the raw demo pool. Each
   module, in order, takes its first ``max_bootstrapped_demos`` bootstrapped
   demos, then samples labeled demos up to ``max_labeled_demos`` in total;
   as in DSPy, each module samples from the previous module's sample.

Every generator DSPy seeds with a constant ``c`` is seeded with
``task.seed + c`` here, so seed 0 reproduces DSPy's choices.

When the LM budget runs out (``max_lm_calls``, ``max_cost_usd``), trying
stops and step 4 runs with the demos bootstrapped so far.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from ...host.evaluate import TooManyErrors, passes
from ...host.metrics import MetricValueError, measure
from ...records import record
from ...runtime.errors import ProgramError
from ...runtime.lm.protocol import LanguageModel
from ...runtime.signature import Params
from ...runtime.trace import TraceEntry
from ..core.base import (
    DEFAULT_MAX_ERRORS,
    BudgetStop,
    CallCounter,
    CallEstimate,
    Demo,
    DemoOrigin,
    OptimizeResult,
    Task,
    TaskSizes,
    labeled_demo,
    with_demos,
)
from .labeled import sample_labeled

logger = logging.getLogger(__name__)


@record
class BootstrapSettings:
    max_bootstrapped_demos: int
    max_labeled_demos: int
    max_rounds: int
    max_errors: int | None
    metric_threshold: float | None


@record
class BootstrapFewShot:
    name: ClassVar[str] = "BootstrapFewShot"
    max_bootstrapped_demos: int = 4
    max_labeled_demos: int = 16
    max_rounds: int = 1
    max_errors: int | None = None
    metric_threshold: float | None = None

    def compile(self, task: Task) -> OptimizeResult:
        calls = CallCounter()
        settings = BootstrapSettings(
            max_bootstrapped_demos=self.max_bootstrapped_demos,
            max_labeled_demos=self.max_labeled_demos,
            max_rounds=self.max_rounds,
            max_errors=self.max_errors,
            metric_threshold=self.metric_threshold,
        )
        stop = BudgetStop()
        params, origins = bootstrap(task, settings, range(len(task.trainset)), calls, stop=stop)
        return OptimizeResult(params=params, origins=origins, lm_calls=calls.count, stopped=stop.reason)

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        runs, exact = bootstrap_runs(sizes.trainset, self.max_bootstrapped_demos, self.max_rounds)
        return CallEstimate(runs * sizes.run_calls, upper_bound=not exact)


def bootstrap_runs(trainset: int, max_bootstrapped_demos: int, max_rounds: int) -> tuple[int, bool]:
    """Teacher runs one bootstrap makes at most, and whether it makes exactly that many.

    Every row is tried (``max_rounds`` times when it keeps failing) until
    ``max_bootstrapped_demos`` rows have passed; with no demos wanted, none is.
    """
    if max_bootstrapped_demos == 0:
        return 0, True
    return trainset * max_rounds, max_rounds == 1 and max_bootstrapped_demos >= trainset


def bootstrap(
    task: Task,
    settings: BootstrapSettings,
    order: Sequence[int],
    calls: CallCounter,
    *,
    stage: str = "bootstrap",
    stop: BudgetStop | None = None,
) -> tuple[dict[str, Params], dict[str, tuple[DemoOrigin, ...]]]:
    """Run BootstrapFewShot over the trainset examples ``order`` lists (indices, in the order to try).

    With ``stop``, a budget running out ends the trying and the demos found
    so far are used (``stop.reason`` says so); without it ``BudgetExhausted``
    propagates to the caller.
    """
    start = task.start_params()
    order = list(order)
    teacher = _teacher_params(task, start, order, settings.max_labeled_demos)
    session = _Session(task, settings, teacher, calls)

    succeeded: set[int] = set()
    tried = 0
    with stop.catching(stage) if stop is not None else contextlib.nullcontext():
        for index in order:
            if len(succeeded) >= settings.max_bootstrapped_demos:
                break
            for round_idx in range(settings.max_rounds):
                if session.attempt(index, round_idx):
                    succeeded.add(index)
                    break
            tried += 1
            task.progress(stage, tried, len(order))
    if tried < len(order):  # stopped early: report the stage as complete
        task.progress(stage, len(order), len(order))
    logger.info(
        "bootstrapped %d full traces from %d of %d examples (%d runs, %d errors)",
        len(succeeded),
        tried,
        len(order),
        session.runs,
        session.errors,
    )

    pool = [i for i in order if i not in succeeded]
    random.Random(task.seed).shuffle(pool)
    rng = random.Random(task.seed)
    demos: dict[str, list[Demo]] = {}
    for path in task.program.module_paths:
        augmented = session.traces[path][: settings.max_bootstrapped_demos]
        size = max(0, min(settings.max_labeled_demos - len(augmented), len(pool)))
        pool = rng.sample(pool, size)
        demos[path] = augmented + [labeled_demo(task.trainset, i) for i in pool]
    return with_demos(start, demos)


def _teacher_params(
    task: Task, start: Mapping[str, Params], order: Sequence[int], max_labeled: int
) -> dict[str, Params]:
    if any(p.demos for p in start.values()) or not max_labeled:
        return dict(start)
    params, _ = with_demos(start, sample_labeled(task, order, max_labeled, random.Random(task.seed)))
    return params


class _Session:
    """The mutable bookkeeping of one bootstrap: collected demos, error count."""

    def __init__(self, task: Task, settings: BootstrapSettings, teacher: dict[str, Params], calls: CallCounter):
        self.task = task
        self.settings = settings
        self.teacher = teacher
        self.calls = calls
        self.base_lm = task.teacher_lm if task.teacher_lm is not None else task.lm
        self.lm = calls.wrap(self.base_lm)
        self.max_errors = settings.max_errors if settings.max_errors is not None else DEFAULT_MAX_ERRORS
        self.traces: dict[str, list[Demo]] = {path: [] for path in task.program.module_paths}
        self.errors = 0
        self.runs = 0
        if settings.max_rounds > 1 and task.rollout_lm is None:
            logger.warning(
                "max_rounds is %d but the task cannot vary its LM: later rounds repeat the first", settings.max_rounds
            )

    def _lm_for(self, round_idx: int) -> LanguageModel:
        if round_idx == 0 or self.task.rollout_lm is None:
            return self.lm
        return self.calls.wrap(self.task.rollout_lm(self.base_lm, round_idx))

    def attempt(self, index: int, round_idx: int) -> bool:
        """One teacher run on trainset example ``index``; keep its trace if it passes."""
        task = self.task
        example = task.trainset[index]
        fields = dict(example)
        # The example must not see itself among its demos.
        params = {
            path: replace(p, demos=tuple(d for d in p.demos if dict(d) != fields)) for path, p in self.teacher.items()
        }
        self.runs += 1
        try:
            run = task.program.run(example.inputs(), lm=self._lm_for(round_idx), params=params)
            score = measure(task.metric, example, run.outputs, run.trace).score
        # A run that cannot produce its outputs (an answer that does not
        # parse) is a failed example, as a wrong answer is: small models do
        # that often and it must not end the search. Any other failure
        # (tool, metric code) counts towards max_errors as in DSPy; fatal
        # (infrastructure) ones stop now.
        except ProgramError as err:
            logger.info("bootstrapping example %d produced no outputs: %s", index, err)
            return False
        except Exception as err:
            if task.fatal and isinstance(err, task.fatal):
                raise
            self.errors += 1
            message = str(err) if isinstance(err, MetricValueError) else f"{type(err).__name__}: {err}"
            if self.errors >= self.max_errors:
                raise TooManyErrors(self.errors, self.max_errors, message, f"trainset row {index + 1}") from err
            logger.warning("bootstrapping trainset row %d failed: %s", index + 1, message)
            return False
        threshold = self.settings.metric_threshold
        if threshold is None:
            threshold = task.metric_threshold
        if not passes(score, threshold):
            logger.debug("example %d did not pass (score %s)", index, score)
            return False
        self._keep(index, run.trace)
        return True

    def _keep(self, index: int, trace: Sequence[TraceEntry]) -> None:
        by_path: dict[str, list[dict[str, Any]]] = {}
        for entry in trace:
            if entry.path in self.traces:  # calls of modules outside this program are not ours to tune
                by_path.setdefault(entry.path, []).append({**entry.inputs, **entry.outputs})
        for path, values in by_path.items():
            chosen = values[-1]
            if len(values) > 1:
                rng = random.Random(_content_seed(values))
                chosen = rng.choice(values[:-1]) if rng.random() < 0.5 else values[-1]
            self.traces[path].append(Demo(chosen, DemoOrigin("bootstrapped", index)))


def _content_seed(values: Sequence[Mapping[str, Any]]) -> int:
    """A seed from the demos' content, stable across processes (DSPy hashes them too)."""
    text = json.dumps(list(values), sort_keys=True, ensure_ascii=False, default=repr)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
