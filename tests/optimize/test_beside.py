"""``ahead.beside``: one job in a thread while a block runs, or lazily in the caller's thread."""

import threading

import pytest

from lmc.optimize.core.ahead import Gate, beside
from tests.optimize.prompt_fakes import ProposerLM

MESSAGES = [{"role": "system", "content": "Your output fields are:\n1. `summary`"}, {"role": "user", "content": ""}]


def test_the_job_runs_while_the_block_does_and_its_result_comes_when_asked():
    block_running = threading.Event()

    def job():
        assert block_running.wait(5), "the job waited for the block: it did not run beside it"
        return 42

    with beside(job, True) as result:
        block_running.set()
        assert result() == 42


def test_the_job_s_exception_is_raised_where_its_result_is_asked():
    def job():
        raise ValueError("no summary")

    with beside(job, True) as result, pytest.raises(ValueError, match="no summary"):
        result()


def test_leaving_the_block_waits_for_the_job():
    finished = threading.Event()
    with beside(lambda: finished.wait(0.05) or finished.set(), True):
        pass
    assert finished.is_set()


def test_not_ahead_the_job_runs_once_in_the_caller_s_thread_when_first_asked():
    runs: list[str] = []
    with beside(lambda: runs.append(threading.current_thread().name) or len(runs), False) as result:
        assert runs == []
        assert result() == 1 and result() == 1
    assert runs == [threading.current_thread().name]
    with beside(lambda: runs.append("never"), False):
        pass
    assert "never" not in runs


def test_a_gate_keeps_at_most_its_limit_of_requests_in_flight_across_its_lms():
    in_flight, peak = 0, 0
    lock = threading.Lock()

    def answer(proposal):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        threading.Event().wait(0.01)
        with lock:
            in_flight -= 1
        return {"summary": "ok"}

    gate = Gate(3)
    lms = [gate.wrap(ProposerLM(answer)), gate.wrap(ProposerLM(answer)).replace(temperature=1.0)]
    threads = [threading.Thread(target=lms[i % 2].complete, args=(MESSAGES,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3


def test_a_reserved_slot_is_taken_at_once_and_given_back_when_its_job_ends():
    gate = Gate(1)
    answered = threading.Event()
    lm = gate.wrap(ProposerLM(lambda p: answered.set() or {"summary": "ok"}))
    job = gate.reserving(lambda: "summary written")
    request = threading.Thread(target=lm.complete, args=(MESSAGES,))
    request.start()
    assert not answered.wait(0.05)  # the only slot is the reserved job's
    assert job() == "summary written"
    request.join(5)
    assert answered.is_set()


def test_held_jobs_and_gated_requests_share_the_limit():
    in_flight, peak = 0, 0
    lock = threading.Lock()

    def busy():
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        threading.Event().wait(0.01)
        with lock:
            in_flight -= 1

    gate = Gate(3)
    lm = gate.wrap(ProposerLM(lambda p: busy() or {"summary": "ok"}))
    held = [gate.holding(busy) for _ in range(4)]
    threads = [threading.Thread(target=job) for job in held]
    threads += [threading.Thread(target=lm.complete, args=(MESSAGES,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3
