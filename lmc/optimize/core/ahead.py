"""Building candidates ahead: independent jobs run concurrently, their results taken in order.

DSPy builds an optimizer's candidates (bootstrapped demo sets) one after the
other. Their construction is independent once each candidate's random draws
(its trainset order and demo count) are made, so lmc draws them first, in
DSPy's order, then runs the builds ``threads`` at a time and hands the
results back in that same order: the same candidates and LM calls, in less
wall time. When a budget may end the search early, building ahead could
spend calls on candidates that would never have been built, so optimizers
then build one at a time (:func:`may_build_ahead`).

A job that is independent of a whole step (MIPROv2's data summary, which
reads only the trainset, beside the demo-set bootstraps) runs
:func:`beside` it, in its own thread. A random search scores the next
candidate beside the end of the current one's scoring (:func:`overlapped`),
so the slots its last rows leave free are not idle. Jobs that run beside each other share
a :class:`Gate`: at most ``threads`` LM requests in flight in all, as the
user's ``threads`` promises (a rate limit, a local server's slots). A job
that holds a slot may wait only on jobs that already hold theirs.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ...runtime.lm.protocol import LanguageModel, Messages, Scored
from .forwarding import Forwarding, replaced

T = TypeVar("T")


def may_build_ahead(lm: LanguageModel) -> bool:
    """False when the task's LM is metered by a limited budget (``optimize/budget.py``)."""
    budget = getattr(getattr(lm, "meter", None), "budget", None)
    return not getattr(budget, "limited", False)


def in_order(jobs: Sequence[Callable[[], T]], threads: int, gate: Gate | None = None) -> Iterator[T]:
    """Each job's result, in job order; up to ``threads`` jobs run at once, each holding a slot of ``gate``.

    A job's exception is raised at its turn. When the caller stops early (an
    exception while it uses a result, or it simply stops iterating), jobs
    not yet started are cancelled and the running ones are waited for.
    """
    if gate is not None:
        jobs = [gate.holding(job) for job in jobs]
    if threads <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield job()
        return
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lmc-ahead")
    try:
        futures = [pool.submit(job) for job in jobs]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def beside(job: Callable[[], T], ahead: bool) -> Iterator[Callable[[], T]]:
    """Run ``job`` in a thread while the block runs; the block gets a function that returns its result.

    The function waits for the job and raises its exception. Leaving the
    block waits for the job. When ``ahead`` is False the job runs when the
    function is first called, in the caller's thread, as a sequential run
    would (under a limited budget, calls must be made in their plain order).
    """
    if not ahead:
        done: list[T] = []

        def when_asked() -> T:
            if not done:
                done.append(job())
            return done[0]

        yield when_asked
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lmc-beside")
    try:
        future = pool.submit(job)
        yield future.result
    finally:
        pool.shutdown(wait=True)


class Gate:
    """At most ``limit`` LM requests in flight at once, from jobs and from gated LMs.

    A job that sends one request at a time (a bootstrap, the data summary,
    a proposal with its descriptions) holds a slot while it runs
    (:meth:`holding`); an LM wrapped by :meth:`wrap` (the threads of an
    evaluation run beside them) takes a slot per request, and only when no
    job is waiting for one: the jobs are the critical path, the requests
    fill the slots they leave free. Among requests, a lower ``rank`` goes
    first: the run that started earlier keeps every slot it can use, and a
    run beside it fills only the slots it leaves free (its last rows), so it
    still has its whole length to run when the earlier one ends.
    """

    def __init__(self, limit: int) -> None:
        self._free = max(limit, 1)
        self._jobs_waiting = 0
        # Jobs and each rank of requests wait on conditions of their own, so that a freed slot wakes one
        # waiter of the kind it goes to (waking every waiter at each release costs a thread switch per
        # waiter: at 64 threads that was more CPU than the request itself).
        self._lock = threading.Lock()
        self._jobs = threading.Condition(self._lock)
        self._ranks: dict[int, tuple[threading.Condition, list[int]]] = {}  # rank -> (its condition, [waiting])

    def holding(self, job: Callable[[], T]) -> Callable[[], T]:
        """``job``, holding a slot while it runs."""

        def held() -> T:
            self._acquire_job()
            try:
                return job()
            finally:
                self._release()

        return held

    def reserving(self, job: Callable[[], T]) -> Callable[[], T]:
        """``job`` with a slot taken now, in the caller's thread, and given back when the job ends.

        For a job that others will wait on (the data summary): it never
        waits for a slot behind them. The job must run.
        """
        self._acquire_job()

        def reserved() -> T:
            try:
                return job()
            finally:
                self._release()

        return reserved

    def wrap(self, lm: LanguageModel, rank: int = 0) -> LanguageModel:
        """``lm`` taking a slot for each plain request, after the waiting requests of lower ranks."""
        return _GatedLM(lm, self, rank)

    def _acquire_job(self) -> None:
        with self._jobs:
            self._jobs_waiting += 1
            self._jobs.wait_for(lambda: self._free > 0)
            self._jobs_waiting -= 1
            self._free -= 1
            self._wake()  # no job waits any more: a slot left free goes to a request

    def _acquire_request(self, rank: int = 0) -> None:
        with self._lock:
            found = self._ranks.get(rank)
            if found is None:
                found = self._ranks[rank] = (threading.Condition(self._lock), [0])
            condition, waiting = found
            waiting[0] += 1
            try:
                condition.wait_for(lambda: self._free > 0 and self._jobs_waiting == 0 and self._first_rank() == rank)
            finally:
                waiting[0] -= 1
                if not waiting[0]:
                    del self._ranks[rank]  # no one waits on it: a run's rank goes with its last request
            self._free -= 1
            self._wake()  # this rank may have no waiter left: a slot still free goes to the next one

    def _first_rank(self) -> int | None:
        """The lowest rank with a request waiting (lock held)."""
        return min((rank for rank, (_, waiting) in self._ranks.items() if waiting[0]), default=None)

    def _release(self) -> None:
        with self._jobs:
            self._free += 1
            self._wake()

    def _wake(self) -> None:
        """Wake as many waiters as there are free slots: jobs first, then the requests of the lowest waiting
        rank (lock held)."""
        if self._free <= 0:
            return
        if self._jobs_waiting:
            self._jobs.notify(self._free)
            return
        rank = self._first_rank()
        if rank is not None:
            self._ranks[rank][0].notify(self._free)


class _GatedLM(Forwarding):
    """An LM whose plain requests each take one of the gate's slots; everything else is forwarded.

    Scored requests (``complete_scored``) go straight through, ungated.
    """

    def __init__(self, lm: LanguageModel, gate: Gate, rank: int = 0) -> None:
        super().__init__(lm)
        self._gate = gate
        self._rank = rank

    def complete(self, messages: Messages) -> str:
        self._gate._acquire_request(self._rank)
        try:
            return self.lm.complete(messages)
        finally:
            self._gate._release()

    async def acomplete(self, messages: Messages) -> str:
        import asyncio  # here: only an async caller reaches it (asyncio is ~11 ms of a build's start)

        await asyncio.to_thread(self._gate._acquire_request, self._rank)
        try:
            return await self.lm.acomplete(messages)
        finally:
            self._gate._release()

    def replace(self, **changes: Any) -> LanguageModel:
        """A changed copy of the LM (another temperature), behind the same gate, at the same rank."""
        return _GatedLM(replaced(self.lm, **changes), self._gate, self._rank)


class Stopped(Exception):
    """A request of a job whose result is no longer wanted (``overlapped`` stops the job beside a failure)."""


class _StoppableLM(Forwarding):
    """An LM that refuses every request once ``stop`` is set: the job using it ends at its next request."""

    def __init__(self, lm: LanguageModel, stop: threading.Event) -> None:
        super().__init__(lm)
        self._stop = stop

    def _check(self) -> None:
        if self._stop.is_set():
            raise Stopped("stopped: the search ended before this candidate's turn")

    def complete(self, messages: Messages) -> str:
        self._check()
        return self.lm.complete(messages)

    async def acomplete(self, messages: Messages) -> str:
        self._check()
        return await self.lm.acomplete(messages)

    def complete_scored(self, messages: Messages) -> Scored:
        self._check()
        return self.lm.complete_scored(messages)

    async def acomplete_scored(self, messages: Messages) -> Scored:
        self._check()
        return await self.lm.acomplete_scored(messages)

    def replace(self, **changes: Any) -> LanguageModel:
        return _StoppableLM(replaced(self.lm, **changes), self._stop)


A = TypeVar("A")


def overlapped(
    items: Iterator[A], run: Callable[[A, LanguageModel], T], lm: LanguageModel, gate: Gate
) -> Iterator[tuple[A, T]]:
    """``(item, run(item, lm'))`` for each item in order, the next run starting beside the current one.

    Both runs share ``gate`` (``lm'`` takes a slot per request), so no more
    requests are in flight than its slots, and the next run fills the slots
    the current one's last requests leave free. Each run's requests rank after the
    runs before it (:class:`Gate`), so the next run fills only the slots the
    current one leaves free. ``run`` must raise :class:`Stopped` (pass it as fatal) when
    its LM does: when the caller stops early or a run fails, the run beside
    it is stopped at its next request and waited for. Each run sees the
    context variables of the caller.
    """
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lmc-overlap")
    pending: list[tuple[A, Future[T]]] = []
    try:
        for rank, item in enumerate(items):  # the earlier run first at the gate: the later one fills its tail
            context = contextvars.copy_context()
            gated = _StoppableLM(gate.wrap(lm, rank), stop)
            pending.append((item, pool.submit(context.run, run, item, gated)))
            if len(pending) == 2:
                first, future = pending.pop(0)
                yield first, future.result()
        for first, future in pending:
            yield first, future.result()
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


class OneBar:
    """One progress bar for runs that overlap: the first run to report draws it until its last row, then the
    next one does (a run beside another reports nothing until the bar is free)."""

    def __init__(self, progress: Callable[[str, int, int], None]) -> None:
        self._progress = progress
        self._owner: str | None = None
        self._lock = threading.Lock()

    def reporter(self, stage: str) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            with self._lock:
                if self._owner is None:
                    self._owner = stage
                if self._owner != stage:
                    return
                if done >= total:
                    self._owner = None
                self._progress(stage, done, total)

        return report
