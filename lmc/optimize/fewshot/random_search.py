"""BootstrapFewShotWithRandomSearch: score several demo sets on the valset, keep the best.

DSPy's candidates (``dspy/teleprompt/random_search.py``), by candidate seed:

- ``-3``: zero-shot (the starting instructions, no demos);
- ``-2``: LabeledFewShot(k=max_labeled_demos);
- ``-1``: BootstrapFewShot over the trainset in its order;
- ``0 .. num_candidate_programs-1``: BootstrapFewShot over the trainset
  shuffled by ``Random(s)``, with ``max_bootstrapped_demos`` drawn by a fresh
  ``Random(s).randint(1, max_bootstrapped_demos)``.

Each candidate is scored on the valset (the trainset when there is none) with
the task's LM; the first candidate with the highest score wins (a later one
must be strictly better). ``stop_at_score`` ends the search once a candidate
reaches it (scores are percentages). ``max_errors`` applies to every
bootstrap and to every evaluation (none: DSPy's 10), as in DSPy.

As everywhere in lmc's optimizers, DSPy's ``Random(c)`` is ``Random(task.seed + c)``.

With ``adapters`` (an lmc option), every candidate but the zero-shot one
also gets an adapter per module whose adapter the file does not fix, drawn
from the list by a generator of its own for the candidate's seed
(``core/adapters.py``); the demos are the same as without the option.

When the LM budget runs out, the candidate being built or scored is dropped
and the best candidate scored so far wins. A candidate whose score the build
already knows (``Task.known_scores``: the block's baseline, the zero-shot
program, when none of its rows failed) is not scored again; the scores it
measures on the whole valset with no row failed and no ``metric_threshold``
are the build's to take (``OptimizeResult.measured``): the winner's is the
block's final score, not a second scoring.

DSPy bootstraps each candidate, then scores it, one candidate after the other.
lmc bootstraps the candidates concurrently (each bootstrap still sequential
over its own trainset order), and scores them in order, each candidate's
scoring starting beside the end of the one before (``core/ahead.overlapped``),
all of it within ``threads`` requests in flight: the same demos, scores,
winner and LM calls, in less wall time. It keeps DSPy's order when a budget
or ``stop_at_score`` can end the search early, so that no candidate is built
or scored that would not have been.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
from collections.abc import Generator
from dataclasses import replace
from typing import ClassVar

from ...host.evaluate import evaluate
from ...records import record
from ...runtime.lm.protocol import LanguageModel
from ...runtime.signature import Params
from ..core.adapters import adapter_choices, draw_adapters, with_adapters
from ..core.ahead import Gate, OneBar, Stopped, in_order, may_build_ahead, overlapped
from ..core.base import (
    DEFAULT_MAX_ERRORS,
    CallCounter,
    CallEstimate,
    DemoOrigin,
    OptimizeResult,
    Search,
    Task,
    TaskSizes,
    params_key,
    with_demos,
)
from .bootstrap import BootstrapSettings, bootstrap, bootstrap_runs
from .labeled import sample_labeled

logger = logging.getLogger(__name__)

Chosen = tuple[dict[str, Params], dict[str, tuple[DemoOrigin, ...]]]


@record
class BootstrapFewShotWithRandomSearch:
    name: ClassVar[str] = "BootstrapFewShotWithRandomSearch"
    # Its result's ``measured`` may hold the chosen program's score: the build's final scoring may not run.
    measures_final: ClassVar[bool] = True
    max_bootstrapped_demos: int = 4
    max_labeled_demos: int = 16
    max_rounds: int = 1
    num_candidate_programs: int = 16
    num_threads: int | None = None
    max_errors: int | None = None
    stop_at_score: float | None = None
    metric_threshold: float | None = None
    adapters: tuple[str, ...] | None = None

    def compile(self, task: Task) -> OptimizeResult:
        calls = CallCounter()
        student = calls.wrap(task.lm)
        valset = task.valset or task.trainset
        threads = self.num_threads if self.num_threads is not None else task.threads
        max_errors = self.max_errors if self.max_errors is not None else DEFAULT_MAX_ERRORS
        threshold = self.metric_threshold if self.metric_threshold is not None else task.metric_threshold

        search = Search(task, self.name)
        # Scoring the next candidate beside the end of this one's: only when nothing may end the search
        # early (a budget, stop_at_score), as for building candidates ahead.
        ahead = threads > 1 and self.stop_at_score is None and may_build_ahead(task.lm)
        gate = Gate(threads) if ahead else None
        bar = OneBar(task.progress)

        measured: dict[str, float] = {}  # what the build may take for its final scoring (``OptimizeResult``)

        def score_of(candidate: tuple[str, Chosen], lm: LanguageModel) -> float:
            label, chosen = candidate
            known = task.known_score(chosen[0])  # the very same program, scored already (the baseline, a step before)
            if known is not None:
                logger.info("candidate %s: scored already, on the same rows", label)
                return known
            scored = evaluate(
                task.program,
                valset,
                task.metric,
                lm=lm,
                params=chosen[0],
                threads=threads,
                on_progress=bar.reporter(f"evaluate {label}"),
                fatal=(*task.fatal, Stopped),
                metric_threshold=threshold,
                max_errors=max_errors,
            )
            if task.valset and threshold is None and not scored.failed:
                measured[params_key(task.program, chosen[0])] = scored.score
            return scored.score

        # Closed on the way out: a failed scoring must not leave the bootstraps built ahead running.
        with search.until_budget(), contextlib.closing(self._candidates(task, calls, threads, gate)) as candidates:
            scored = (
                overlapped(candidates, score_of, student, gate)
                if gate is not None
                else ((c, score_of(c, student)) for c in candidates)
            )
            for (label, chosen), score in scored:
                logger.info("candidate %s: %.2f%% on %d examples", label, score, len(valset))
                search.record(label, score, *chosen)
                if self.stop_at_score is not None and score >= self.stop_at_score:
                    logger.info("stopping: %s reached stop_at_score %s", label, self.stop_at_score)
                    break
        return replace(search.result(lm_calls=calls.count), measured=measured)

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        """Bootstraps of candidates -1 .. N-1 (each at most a full bootstrap), then N + 3 valset evaluations."""
        n = self.num_candidate_programs
        runs, exact = bootstrap_runs(sizes.trainset, self.max_bootstrapped_demos, self.max_rounds)
        # Candidates 0 .. N-1 draw their demo count between 1 and the maximum: fewer rows may do.
        shuffled_exact = exact and (n == 0 or self.max_bootstrapped_demos == 0 or sizes.trainset <= 1)
        calls = ((n + 1) * runs + (n + 3) * sizes.valset) * sizes.run_calls
        return CallEstimate(calls, upper_bound=not (shuffled_exact and self.stop_at_score is None))

    def _candidates(
        self, task: Task, calls: CallCounter, threads: int, gate: Gate | None
    ) -> Generator[tuple[str, Chosen], None, None]:
        """Every candidate in seed order; built ahead, concurrently, when a ``gate`` says nothing can end
        the search early (each build holding one of its slots while it runs)."""
        seeds = range(-3, self.num_candidate_programs)
        if gate is None:
            threads = 1
        quiet = replace(task, on_progress=None) if threads > 1 else task  # progress from this thread only
        jobs = [functools.partial(self._candidate, quiet, seed, calls) for seed in seeds]
        for done, candidate in enumerate(in_order(jobs, threads, gate), 1):
            if threads > 1:
                task.progress("bootstrap candidates", done, len(jobs))
            yield candidate

    def _candidate(self, task: Task, seed: int, calls: CallCounter) -> tuple[str, Chosen]:
        """Candidate ``seed``'s demos; with ``adapters``, each searchable module's adapter drawn for it too
        (the zero-shot candidate keeps the starting ones)."""
        label, (params, origins) = self._demos(task, seed, calls)
        choices = adapter_choices(task, self.adapters)
        if not choices or seed == -3:
            return label, (params, origins)
        chosen = draw_adapters(choices, task.seed + seed)
        shown = ", ".join(f"{path}: {adapter}" for path, adapter in chosen.items())
        return f"{label} [adapters {shown}]", (with_adapters(params, chosen), origins)

    def _demos(self, task: Task, seed: int, calls: CallCounter) -> tuple[str, Chosen]:
        start = task.start_params()
        everything = range(len(task.trainset))
        if seed == -3:
            return "zero-shot", with_demos(start, {})
        if seed == -2:
            demos = sample_labeled(task, everything, self.max_labeled_demos, random.Random(task.seed))
            return "labeled", with_demos(start, demos)
        settings = BootstrapSettings(
            max_bootstrapped_demos=self.max_bootstrapped_demos,
            max_labeled_demos=self.max_labeled_demos,
            max_rounds=self.max_rounds,
            max_errors=self.max_errors if self.max_errors is not None else DEFAULT_MAX_ERRORS,
            metric_threshold=self.metric_threshold,
        )
        if seed == -1:
            return "bootstrap", bootstrap(task, settings, everything, calls, stage="bootstrap")
        order = list(everything)
        random.Random(task.seed + seed).shuffle(order)
        # DSPy draws between 1 and max_bootstrapped_demos; with 0 it would fail, so 0 stays 0.
        size = (
            random.Random(task.seed + seed).randint(1, self.max_bootstrapped_demos)
            if self.max_bootstrapped_demos
            else 0
        )
        label = f"bootstrap seed {seed} (up to {size} bootstrapped)"
        settings = replace(settings, max_bootstrapped_demos=size)
        return label, bootstrap(task, settings, order, calls, stage=label)
