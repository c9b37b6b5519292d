"""Candidates built ahead (``lmc/optimize/core/ahead.py``): concurrent builds, results in order, nothing changed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from lmc.optimize import MIPROv2
from lmc.optimize.core import ahead
from lmc.optimize.core.ahead import in_order, may_build_ahead
from lmc.optimize.core.budget import Budget, Meter
from tests.optimize.fakes import FakeLM
from tests.optimize.mipro_fakes import MANUAL, mipro_task, task_answer

# Seconds a job waits for what the concurrent schedule does: reached only when a test fails, never on a pass.
WAIT = 30.0


def test_results_come_in_job_order_while_jobs_overlap():
    threads, count = 3, 6
    all_running = threading.Barrier(threads, timeout=WAIT)  # crossed only by `threads` jobs running at once
    others_done = threading.Event()
    lock, finished = threading.Lock(), []

    def job(i: int) -> Callable[[], int]:
        def run() -> int:
            if i < threads:
                all_running.wait()
            if i == 0:  # the first job ends last: the pool's other threads run every other job meanwhile
                assert others_done.wait(WAIT), "the other jobs did not run while the first one did"
            with lock:
                finished.append(i)
                if len(finished) == count - 1:
                    others_done.set()
            return i

        return run

    assert list(in_order([job(i) for i in range(count)], threads=threads)) == list(range(count))
    assert finished[-1] == 0  # it finished last, and its result came first


@pytest.fixture
def stopping(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set once ``in_order``'s pool has cancelled the jobs not started, before it waits for the running ones."""
    event = threading.Event()

    class Pool(ThreadPoolExecutor):
        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            super().shutdown(wait=False, cancel_futures=cancel_futures)
            event.set()
            super().shutdown(wait=wait)

    monkeypatch.setattr(ahead, "ThreadPoolExecutor", Pool)
    return event


def test_a_failure_is_raised_at_its_turn_and_jobs_not_started_are_cancelled(stopping: threading.Event):
    threads = 2
    failed = threading.Event()
    lock, started = threading.Lock(), []

    def job(i: int) -> Callable[[], int]:
        def run() -> int:
            with lock:
                started.append(i)
            if i == 0:  # job 1 fails while job 0 runs: its failure waits for its turn
                assert failed.wait(WAIT), "job 1 did not run beside job 0"
            elif i == 1:
                failed.set()
                raise ValueError("job 1 failed")
            else:  # the jobs running when the caller stops end only once the pool stops taking jobs
                assert stopping.wait(WAIT), "the pool was not shut down"
            return i

        return run

    results = in_order([job(i) for i in range(40)], threads=threads)
    assert next(results) == 0
    with pytest.raises(ValueError, match="job 1 failed"):
        next(results)
    assert stopping.is_set()
    # Jobs 0 and 1, and at most one more per thread (those running when job 1's failure was taken).
    assert set(started) <= set(range(2 + threads)), sorted(started)


def test_a_caller_that_stops_iterating_cancels_the_jobs_not_started(stopping: threading.Event):
    threads = 2
    lock, started = threading.Lock(), []

    def job(i: int) -> Callable[[], int]:
        def run() -> int:
            with lock:
                started.append(i)
            if i > 0:  # running when the caller stops: they end once the pool stops taking jobs
                assert stopping.wait(WAIT), "the pool was not shut down"
            return i

        return run

    results = in_order([job(i) for i in range(40)], threads=threads)
    assert next(results) == 0
    results.close()
    assert stopping.is_set()
    assert set(started) <= set(range(1 + threads)), sorted(started)


def test_a_limited_budget_builds_one_at_a_time():
    assert may_build_ahead(FakeLM(task_answer))
    meter = Meter(Budget(max_lm_calls=10))
    assert not may_build_ahead(meter.wrap(FakeLM(task_answer)))


def test_mipro_demo_sets_are_the_same_built_ahead():
    one = MIPROv2(**MANUAL).compile(mipro_task(threads=1))
    four = MIPROv2(**MANUAL).compile(mipro_task(threads=4))
    assert one.params == four.params and one.candidates == four.candidates and one.lm_calls == four.lm_calls
