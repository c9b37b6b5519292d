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


class _Counting:
    """An LM that answers "ok" after ``pause`` seconds and keeps the most requests it saw in flight."""

    def __init__(self, pause: float = 0.0) -> None:
        self.pause = pause
        self.lock = threading.Lock()
        self.running = self.peak = self.calls = 0

    def complete(self, messages: list) -> str:
        import time

        with self.lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.pause)
        with self.lock:
            self.running -= 1
        return "ok"

    async def acomplete(self, messages: list) -> str:
        return self.complete(messages)


def test_overlapped_starts_the_next_run_beside_the_current_one_and_keeps_the_order():
    from lmc.optimize.core.ahead import Gate, overlapped

    second_started = threading.Event()

    def run(i: int, lm) -> int:
        lm.complete([])
        if i == 1:
            second_started.set()
        if i == 0:  # the first run ends only once the second is running beside it
            assert second_started.wait(WAIT), "the next run did not start beside the first"
        return i * 10

    assert list(overlapped(iter(range(4)), run, _Counting(), Gate(4))) == [(i, i * 10) for i in range(4)]


def test_overlapped_runs_share_the_gates_slots():
    from lmc.optimize.core.ahead import Gate, overlapped

    lm = _Counting(pause=0.005)

    def run(i: int, gated) -> int:
        with ThreadPoolExecutor(max_workers=4) as pool:  # each run asks 4 at a time, as an evaluation's threads
            list(pool.map(lambda _: gated.complete([]), range(12)))
        return i

    assert [i for i, _ in overlapped(iter(range(3)), run, lm, Gate(3))] == [0, 1, 2]
    assert lm.calls == 36 and 1 < lm.peak <= 3


def test_a_failed_run_stops_the_run_beside_it_at_its_next_request():
    from lmc.optimize.core.ahead import Gate, Stopped, overlapped

    second_running = threading.Event()
    seen: list[BaseException] = []

    def run(i: int, lm) -> int:
        if i == 0:
            assert second_running.wait(WAIT)
            raise ValueError("the first candidate failed")
        try:
            while True:  # a long run: it ends only when its LM refuses
                lm.complete([])
                second_running.set()
        except Stopped as exc:
            seen.append(exc)
            raise

    with pytest.raises(ValueError, match="first candidate failed"):
        list(overlapped(iter(range(3)), run, _Counting(pause=0.001), Gate(2)))
    assert len(seen) == 1  # stopped, and waited for: nothing runs after overlapped returns
    assert not [t for t in threading.enumerate() if t.name.startswith("lmc-overlap")]


def test_a_replaced_lm_obeys_the_same_stop():
    """A module that changes its LM's options (its own temperature) still stops with its run."""
    from lmc.optimize.core.ahead import Stopped

    class Replaceable(_Counting):
        def replace(self, **changes):
            return Replaceable()

    stop = threading.Event()
    changed = ahead._StoppableLM(Replaceable(), stop).replace(temperature=0.7)
    assert changed.complete([]) == "ok"
    stop.set()
    with pytest.raises(Stopped):
        changed.complete([])


def test_runs_see_the_callers_context_variables():
    import contextvars

    from lmc.optimize.core.ahead import Gate, overlapped

    where: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="unset")
    where.set("the caller's")
    assert [seen for _, seen in overlapped(iter(range(2)), lambda i, lm: where.get(), _Counting(), Gate(2))] == [
        "the caller's",
        "the caller's",
    ]


def test_one_bar_is_drawn_by_one_run_at_a_time():
    from lmc.optimize.core.ahead import OneBar

    drawn: list[tuple[str, int, int]] = []
    bar = OneBar(lambda stage, done, total: drawn.append((stage, done, total)))
    first, second = bar.reporter("a"), bar.reporter("b")
    first(1, 3)
    second(1, 2)  # beside the first: not drawn
    first(3, 3)  # the first is done: the bar is free
    second(2, 2)
    assert drawn == [("a", 1, 3), ("a", 3, 3), ("b", 2, 2)]


def test_a_wrapper_can_change_its_options_only_when_its_lm_can():
    """Counting, metering, gating and stopping wrappers of an LM without ``replace`` have none either."""
    from lmc.optimize.core.ahead import Gate
    from lmc.optimize.core.base import CallCounter
    from lmc.runtime.lm.protocol import replaceable

    class Changes(_Counting):
        def replace(self, **changes):
            return Changes()

    for inner, expected in ((_Counting(), False), (Changes(), True)):
        wrapped = [
            CallCounter().wrap(inner),
            Gate(2).wrap(inner),
            ahead._StoppableLM(inner, threading.Event()),
            ahead._StoppableLM(Gate(2).wrap(CallCounter().wrap(inner)), threading.Event()),
        ]
        assert [replaceable(lm) for lm in wrapped] == [expected] * 4
        if expected:
            assert all(replaceable(lm.replace(temperature=0.5)) for lm in wrapped)


def test_a_freed_slot_goes_to_the_earlier_runs_request_however_long_a_later_one_waited():
    """The run that started first keeps every slot it can use; a later run's requests fill only what it leaves
    free (else both progress together and end together, and the slots idle while the next run starts)."""
    import time

    from lmc.optimize.core.ahead import Gate

    gate = Gate(1)
    release, order = threading.Event(), []

    class Recording:
        def __init__(self, name: str, hold: bool = False) -> None:
            self.name, self.hold = name, hold

        def complete(self, messages: list) -> str:
            order.append(self.name)
            if self.hold:
                release.wait(5)
            return "ok"

    def waiting(rank: int) -> bool:
        with gate._lock:
            found = gate._ranks.get(rank)
            return found is not None and found[1][0] > 0

    def until(check) -> None:
        deadline = time.monotonic() + 5
        while not check():
            assert time.monotonic() < deadline, "a request never started waiting"
            time.sleep(0.001)

    holder = threading.Thread(target=gate.wrap(Recording("first", hold=True), 0).complete, args=([],))
    holder.start()
    until(lambda: order == ["first"])
    later = threading.Thread(target=gate.wrap(Recording("later run"), 1).complete, args=([],))
    later.start()
    until(lambda: waiting(1))
    earlier = threading.Thread(target=gate.wrap(Recording("earlier run"), 0).complete, args=([],))
    earlier.start()
    until(lambda: waiting(0))
    release.set()
    for thread in (holder, later, earlier):
        thread.join(5)
    assert order == ["first", "earlier run", "later run"]
    assert gate._ranks == {} and gate._free == 1
