"""The direct client's request deadlines: one thread keeps them all, fires each once, forgets cancelled ones."""

from __future__ import annotations

import os
import threading

from lmc.runtime.lm import openai_compat
from lmc.runtime.lm.openai_compat import _Deadlines


def test_a_deadline_fires_once_and_a_cancelled_one_never():
    deadlines = _Deadlines()
    fired: list[str] = []
    done = threading.Event()
    kept = deadlines.add(0.05, lambda: (fired.append("kept"), done.set()))
    dropped = deadlines.add(0.01, lambda: fired.append("dropped"))
    deadlines.cancel(dropped)
    assert done.wait(5)
    deadlines.cancel(kept)  # after it fired: nothing happens
    assert fired == ["kept"]


def test_an_earlier_deadline_added_later_wakes_the_thread():
    deadlines = _Deadlines()
    early = threading.Event()
    deadlines.add(3600, lambda: None)  # the thread now sleeps for an hour
    deadlines.add(0.02, early.set)
    assert early.wait(5)


def test_many_cancelled_requests_leave_no_heap_behind():
    deadlines = _Deadlines()
    for _ in range(10_000):
        deadlines.cancel(deadlines.add(180, lambda: None))
    assert len(deadlines._heap) <= 64 and deadlines._pending == {}
    still = threading.Event()
    deadlines.add(0.01, still.set)
    assert still.wait(5)  # compaction kept the live one


def test_one_thread_serves_every_request():
    deadlines = _Deadlines()
    for _ in range(200):
        deadlines.cancel(deadlines.add(60, lambda: None))
    assert deadlines._thread is not None
    names = [t for t in threading.enumerate() if t is deadlines._thread]
    assert len(names) == 1


def test_a_forked_child_starts_its_own_thread():
    openai_compat._DEADLINES.cancel(openai_compat._DEADLINES.add(60, lambda: None))  # the parent's thread runs
    pid = os.fork()
    if pid == 0:  # the child: the thread did not survive the fork; the module's reset lets a new one start
        fired = threading.Event()
        openai_compat._DEADLINES.add(0.01, fired.set)
        os._exit(0 if fired.wait(5) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
