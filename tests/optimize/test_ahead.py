"""Candidates built ahead (``lmc/optimize/core/ahead.py``): concurrent builds, results in order, nothing changed."""

from __future__ import annotations

import threading
import time

import pytest

from lmc.optimize import MIPROv2
from lmc.optimize.core.ahead import in_order, may_build_ahead
from lmc.optimize.core.budget import Budget, Meter
from tests.optimize.fakes import FakeLM
from tests.optimize.mipro_fakes import MANUAL, mipro_task, task_answer


def test_results_come_in_job_order_while_jobs_overlap():
    lock, running, peak = threading.Lock(), [0], [0]

    def job(i: int, delay: float):
        def run() -> int:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(delay)
            with lock:
                running[0] -= 1
            return i

        return run

    jobs = [job(i, 0.05 if i == 0 else 0.01) for i in range(6)]  # the first finishes last
    assert list(in_order(jobs, threads=3)) == list(range(6))
    assert peak[0] > 1


def test_a_failure_is_raised_at_its_turn_and_later_jobs_are_cancelled():
    started: list[int] = []

    def job(i: int):
        def run() -> int:
            started.append(i)
            if i == 1:
                raise ValueError("job 1 failed")
            time.sleep(0.02)
            return i

        return run

    results = in_order([job(i) for i in range(40)], threads=2)
    assert next(results) == 0
    with pytest.raises(ValueError, match="job 1 failed"):
        next(results)
    results.close()
    assert len(started) < 40  # the pool stopped taking jobs


def test_a_limited_budget_builds_one_at_a_time():
    assert may_build_ahead(FakeLM(task_answer))
    meter = Meter(Budget(max_lm_calls=10))
    assert not may_build_ahead(meter.wrap(FakeLM(task_answer)))


def test_mipro_demo_sets_are_the_same_built_ahead():
    one = MIPROv2(**MANUAL).compile(mipro_task(threads=1))
    four = MIPROv2(**MANUAL).compile(mipro_task(threads=4))
    assert one.params == four.params and one.candidates == four.candidates and one.lm_calls == four.lm_calls
