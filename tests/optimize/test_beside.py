"""``ahead.beside``: one job in a thread while a block runs, or lazily in the caller's thread."""

import threading

import pytest

from lmc.optimize.ahead import beside


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
