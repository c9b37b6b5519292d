"""Scoring a program on a list of examples, optionally in threads.

One example's failure (a parse error, a tool raising, a metric raising or
returning something that is not a score) is that example's result: it scores
0 and keeps its message (a bad value shown as it was returned), and the run
goes on. A metric's feedback (``{"score": s, "feedback": t}``) is kept on its
row (:attr:`ExampleResult.feedback`), beside the run's trace, for the
optimizers that learn from it.
Only the exception types the caller names as ``fatal`` (an LM that cannot be
reached, a missing API key) stop the whole evaluation, because every
following example would fail the same way.

Each example runs in its own copy of the caller's ``contextvars`` context, so
the runtime's per-run trace never mixes between threads. Results come back in
example order whatever the thread count, which keeps scores and reports
reproducible. :func:`evaluate` runs one program's parameters on every
example; :func:`run_jobs` runs any list of (example, parameters, LM,
rollout) jobs the same way (SIMBA's runs of several candidates at once).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import queue
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..data.datasets import Example
from ..records import record
from ..runtime.errors import ParseError, ProgramError
from ..runtime.lm.protocol import LanguageModel
from ..runtime.lm.rollout import rollout
from ..runtime.program import Program
from ..runtime.signature import Params
from ..runtime.trace import TraceEntry
from .metrics import MetricValueError, Score, measure

logger = logging.getLogger(__name__)

# A metric returns a number, a bool or a score with feedback (``metrics.measure`` reads it).
Metric = Callable[[Example, Mapping[str, Any]], Any]
Fatal = tuple[type[BaseException], ...]

__all__ = [
    "EvalResult",
    "ExampleResult",
    "Job",
    "MetricValueError",
    "Score",
    "TooManyErrors",
    "evaluate",
    "passes",
    "run_jobs",
]


class TooManyErrors(Exception):
    """More examples failed than the caller's ``max_errors`` allows (DSPy's rule)."""

    def __init__(self, errors: int, max_errors: int, last: str, where: str | None = None) -> None:
        self.errors = errors
        self.max_errors = max_errors
        self.last = last
        at = f" ({where})" if where else ""
        super().__init__(f"stopped after {errors} failed runs (max_errors is {max_errors}); the last error{at}: {last}")


@record
class ExampleResult:
    """How one example went: outputs (None when it failed), score, error message, trace."""

    index: int
    example: Example
    outputs: dict[str, Any] | None
    score: float
    error: str | None
    trace: tuple[TraceEntry, ...]
    # The program could not produce outputs (e.g. an answer that did not
    # parse): a failed example, not an error towards ``max_errors``.
    no_output: bool = False
    raw: str | None = None  # an answer that did not parse: the LM's text, as the first adapter read it
    # Where it failed: "program" (the run), "metric" (the metric raised) or "score" (its value is no score).
    stage: str = "program"
    feedback: str | None = None  # what the metric said besides the score, when it returned a score with feedback


@record
class EvalResult:
    """All examples' results in example order, and the summary numbers.

    ``score`` is the mean metric value times 100, rounded to two decimals
    (DSPy's ``Evaluate``). ``passed`` counts examples whose score passes
    :func:`passes` with ``metric_threshold``.
    """

    results: tuple[ExampleResult, ...]
    score: float
    passed: int
    errors: int
    metric_threshold: float | None = None

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def failed(self) -> int:
        """Examples that failed, however: no outputs, a tool or the metric raising."""
        return sum(r.error is not None for r in self.results)


@record
class Job:
    """One run to score: an example, the parameters and LM to run it with, and its rollout (None: a plain call).

    Inside rollout ``i`` the runtime's LM samples at temperature 1.0 and caches
    under the request plus ``i`` (``runtime/lm/rollout.py``). ``where`` names
    the example in messages (``trainset row 4``; by default ``row N``, N its
    place in the jobs).
    """

    example: Example
    params: Mapping[str, Params]
    lm: LanguageModel
    rollout: int | None = None
    where: str | None = None


def passes(score: float, threshold: float | None) -> bool:
    """Whether a score counts as a success.

    With a threshold, ``score >= threshold``; without one, any non-zero score
    (DSPy uses the metric value's truth). A threshold of 0 is a real
    threshold here, where DSPy's ``if metric_threshold:`` would ignore it.
    """
    return score >= threshold if threshold is not None else bool(score)


def evaluate(
    program: Program,
    examples: Sequence[Example],
    metric: Metric,
    *,
    lm: LanguageModel,
    params: Mapping[str, Params],
    threads: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    fatal: Fatal = (),
    metric_threshold: float | None = None,
    max_errors: int | None = None,
) -> EvalResult:
    """Run ``program`` on every example and score its outputs with ``metric``.

    ``on_progress(done, total)`` is called from the calling thread after each
    example. ``max_errors`` (none by default) stops the run with
    :class:`TooManyErrors` once that many examples have failed, as DSPy's
    ``Evaluate`` does; exceptions in ``fatal`` propagate at once.
    """
    jobs = [Job(example, params, lm) for example in examples]
    results = run_jobs(
        program, jobs, metric, threads=threads, on_progress=on_progress, fatal=fatal, max_errors=max_errors
    )
    total = len(results)
    mean = sum(r.score for r in results) / total if total else 0.0
    return EvalResult(
        results=results,
        score=round(100 * mean, 2),
        passed=sum(passes(r.score, metric_threshold) for r in results),
        errors=sum(r.error is not None and not r.no_output for r in results),
        metric_threshold=metric_threshold,
    )


def run_jobs(
    program: Program,
    jobs: Sequence[Job],
    metric: Metric,
    *,
    threads: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    fatal: Fatal = (),
    max_errors: int | None = None,
) -> tuple[ExampleResult, ...]:
    """Run and score every job (``index`` is the job's place in ``jobs``); results in job order.

    As :func:`evaluate`: ``on_progress(done, total)`` from the calling thread,
    :class:`TooManyErrors` at the ``max_errors``-th failed run, exceptions in
    ``fatal`` propagated at once.
    """
    if threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}")
    total = len(jobs)
    slots: list[ExampleResult | None] = [None] * total
    errors = 0
    done = 0

    def finish(result: ExampleResult) -> None:
        nonlocal errors, done
        slots[result.index] = result
        done += 1
        if result.error is not None and not result.no_output:
            errors += 1
            logger.info("example %d failed: %s", result.index, result.error)
            if max_errors is not None and errors >= max_errors:
                raise TooManyErrors(
                    errors, max_errors, result.error, jobs[result.index].where or f"row {result.index + 1}"
                )
        if on_progress is not None:
            on_progress(done, total)

    def task(index: int) -> ExampleResult:
        return contextvars.copy_context().run(_run_one, program, index, jobs[index], metric, fatal)

    if threads == 1 or total <= 1:
        for index in range(total):
            finish(task(index))
    else:
        _run_threaded(task, total, threads, finish)
    return tuple(r for r in slots if r is not None)


def _run_threaded(
    task: Callable[[int], ExampleResult], total: int, threads: int, finish: Callable[[ExampleResult], None]
) -> None:
    """Run ``task(i)`` for every index on a pool; on any exception, cancel what has not started.

    Each future reports its own completion on a queue, so taking the next
    result costs the same at row 20 as at row 20,000 (``wait`` over every
    pending future at each wake-up made the whole quadratic in rows). Rows
    are handed to the pool in index order, two per worker ahead and one
    more as each finishes: a future per row of the whole dataset (each a
    condition, a lock and a queue entry, ~10 objects for the collector)
    made every full garbage collection of a 20,000-row build a pause of
    tenths of a second with nothing in flight.
    """
    finished: queue.SimpleQueue[Future[ExampleResult]] = queue.SimpleQueue()
    workers = min(threads, total)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lmc-eval")
    submitted = 0

    def submit_next() -> None:
        nonlocal submitted
        pool.submit(task, submitted).add_done_callback(finished.put)
        submitted += 1

    try:
        for _ in range(min(2 * workers, total)):
            submit_next()
        for _ in range(total):
            result = finished.get().result()
            if submitted < total:
                submit_next()  # keeps two rows a worker queued, before the result is taken in
            finish(result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_one(program: Program, index: int, job: Job, metric: Metric, fatal: Fatal) -> ExampleResult:
    example = job.example
    run = None
    try:
        with rollout(job.rollout) if job.rollout is not None else contextlib.nullcontext():
            run = program.run(example.inputs(), lm=job.lm, params=job.params)
        scored = measure(metric, example, run.outputs)
    # One example's failure must not end the evaluation, and program bodies run
    # user code (tools, python metrics) that may raise anything: the message is
    # kept in the result, not swallowed. Fatal (infrastructure) errors go up.
    except Exception as err:
        if fatal and isinstance(err, fatal):
            raise
        return ExampleResult(
            index=index,
            example=example,
            outputs=run.outputs if run is not None else None,
            score=0.0,
            error=_message(err),
            trace=run.trace if run is not None else (),
            no_output=isinstance(err, ProgramError),
            raw=err.raw[0] if isinstance(err, ParseError) and err.raw else None,
            stage="program" if run is None else "score" if isinstance(err, MetricValueError) else "metric",
        )
    return ExampleResult(
        index=index,
        example=example,
        outputs=run.outputs,
        score=scored.score,
        error=None,
        trace=run.trace,
        feedback=scored.feedback,
    )


def _message(err: BaseException) -> str:
    """A program's own failure (or a metric's value that is no score) says what happened in its words;
    anything else is named by its type too."""
    text = str(err)
    if isinstance(err, (ProgramError, MetricValueError)) and text:
        return text
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
