"""The SQLite answer cache: keys, persistence, recorded costs, old files, threads and concurrent processes."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lmc.runtime.lm.cache import Answer, Cache
from lmc.runtime.lm.client import LM

from .stub_server import StubServer

ROOT = Path(__file__).resolve().parents[2]


def test_put_get_and_persistence(tmp_path):
    cache = Cache(tmp_path / "nested" / "dir")
    key = Cache.key({"model": "m", "messages": [{"role": "user", "content": "é"}]})
    assert cache.get(key) is None
    cache.put(key, "m", "answer «é»")
    cache.close()
    assert Cache(tmp_path / "nested" / "dir").get(key) == "answer «é»"


def test_an_answer_keeps_what_it_cost_when_it_was_made(tmp_path):
    cache = Cache(tmp_path)
    key = Cache.key({"model": "m", "messages": []})
    cache.put(key, "m", "text", prompt_tokens=120, completion_tokens=8, cost_usd=0.0025)
    cache.close()
    assert Cache(tmp_path).answer(key) == Answer("text", 120, 8, 0.0025, recorded=True)
    assert Cache(tmp_path).answer(Cache.key({"model": "other"})) is None


OLD_SCHEMA = "CREATE TABLE answers (key TEXT PRIMARY KEY, model TEXT NOT NULL, text TEXT NOT NULL)"


def old_cache(directory: Path, rows: dict[str, str]) -> None:
    """A cache file as lmc wrote it before answers' costs were recorded."""
    directory.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(directory / Cache.FILENAME)
    with db:
        db.execute(OLD_SCHEMA)
        db.executemany("INSERT INTO answers VALUES (?, 'm', ?)", rows.items())
    db.close()


def test_an_old_cache_file_is_migrated_and_its_answers_say_their_cost_is_unknown(tmp_path):
    old_key, new_key = Cache.key({"n": 1}), Cache.key({"n": 2})
    old_cache(tmp_path, {old_key: "from an older lmc"})
    cache = Cache(tmp_path)
    assert cache.get(old_key) == "from an older lmc"
    assert cache.answer(old_key) == Answer("from an older lmc", recorded=False)
    cache.put(new_key, "m", "new", prompt_tokens=3, completion_tokens=4, cost_usd=0.5)
    assert cache.answer(new_key) == Answer("new", 3, 4, 0.5)
    assert len(cache) == 2
    cache.close()
    with contextlib.closing(sqlite3.connect(tmp_path / Cache.FILENAME)) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(answers)")]
    assert columns == ["key", "model", "text", "prompt_tokens", "completion_tokens", "cost_usd", "logprobs"]


def test_an_older_runtime_can_still_write_a_migrated_file(tmp_path):
    """An emitted package vendoring an older runtime inserts rows without the new columns."""
    Cache(tmp_path).close()
    db = sqlite3.connect(tmp_path / Cache.FILENAME)
    with db:
        db.execute("INSERT OR REPLACE INTO answers (key, model, text) VALUES ('k', 'm', 'old writer')")
    db.close()
    assert Cache(tmp_path).answer("k") == Answer("old writer", recorded=False)


def test_two_processes_migrating_one_old_file_at_once(tmp_path):
    old_cache(tmp_path, {"k": "v"})
    script = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from lmc.runtime.lm.cache import Cache; Cache({str(tmp_path)!r})"
    workers = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(4)]
    assert [w.wait(timeout=60) for w in workers] == [0] * 4
    assert Cache(tmp_path).answer("k") == Answer("v", recorded=False)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("LMC_CACHE_TEST_KEY", "sk-cache-test")
    with StubServer(answer=lambda body: "fresh") as stub:  # 11 prompt and 7 completion tokens an answer
        yield stub


def test_an_lm_counts_what_cached_answers_cost_apart_from_what_it_spends(server, tmp_path):
    cache = Cache(tmp_path)
    lm = LM("openai/stub", api_base=server.api_base, api_key_env="LMC_CACHE_TEST_KEY", cache=cache)
    ask = [[{"role": "user", "content": q}] for q in ("recorded", "old", "new")]
    cache.put(Cache.key(lm.request(ask[0])), lm.model, "cached", prompt_tokens=100, completion_tokens=9, cost_usd=0.25)
    with contextlib.closing(sqlite3.connect(tmp_path / Cache.FILENAME)) as db, db:  # an older runtime's row
        db.execute("INSERT INTO answers (key, model, text) VALUES (?, 'm', 'older')", (Cache.key(lm.request(ask[1])),))
    assert [lm.complete(m) for m in ask] == ["cached", "older", "fresh"]
    u = lm.usage
    assert (u.calls, u.cache_hits, u.prompt_tokens, u.completion_tokens, u.cost_usd) == (3, 2, 11, 7, 0.0)
    assert (u.cached_prompt_tokens, u.cached_completion_tokens, u.cached_cost_usd, u.cached_unrecorded) == (
        100,
        9,
        0.25,
        1,
    )
    # The answer the LM just made is cached with what it cost: a later run counts it the same.
    assert cache.answer(Cache.key(lm.request(ask[2]))) == Answer("fresh", 11, 7, 0.0)


def test_a_total_cost_does_not_depend_on_the_order_of_the_answers(tmp_path):
    """0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1 in floats; counted costs are exact, so threads cannot change a total."""
    cache = Cache(tmp_path)
    lm = LM("openai/priced", cache=cache)
    costs = {f"q{i}": c for i, c in enumerate((0.1, 0.2, 0.3, 1e-7, 0.0123456789))}
    for q, cost in costs.items():
        cache.put(Cache.key(lm.request([{"role": "user", "content": q}])), lm.model, q, cost_usd=cost)
    totals = set()
    for order in itertools.permutations(costs):
        counted = LM("openai/priced", cache=cache)  # fresh counters, same cache
        for q in order:
            counted.complete([{"role": "user", "content": q}])
        totals.add(counted.usage.cached_cost_usd)
    (total,) = totals
    assert total == pytest.approx(sum(costs.values()), abs=1e-9)


def test_key_is_canonical():
    a = {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 0.0}
    b = {"temperature": 0.0, "messages": [{"content": "x", "role": "user"}], "model": "m"}
    assert Cache.key(a) == Cache.key(b)
    assert Cache.key(a) != Cache.key({**a, "temperature": 0.5})
    assert len(Cache.key(a)) == 64


def test_default_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "explicit"))
    assert Cache.default_dir() == tmp_path / "explicit"
    monkeypatch.delenv("LMC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Cache.default_dir() == tmp_path / "xdg" / "lmc"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Cache.default_dir() == tmp_path / "home" / ".cache" / "lmc"


def test_many_threads_share_one_cache(tmp_path):
    cache = Cache(tmp_path)

    def work(i: int) -> str | None:
        key = Cache.key({"i": i % 50})
        cache.put(key, "m", f"answer {i % 50}")
        return cache.get(key)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(400)))
    assert results == [f"answer {i % 50}" for i in range(400)]
    assert len(cache) == 50


def test_two_processes_write_the_same_cache(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from lmc.runtime.lm.cache import Cache
        cache = Cache({str(tmp_path)!r})
        tag = sys.argv[1]
        for i in range(150):
            cache.put(Cache.key({{"tag": tag, "i": i}}), "m", f"{{tag}}-{{i}}")
            cache.get(Cache.key({{"tag": "a" if tag == "b" else "b", "i": i}}))
        """
    )
    workers = [subprocess.Popen([sys.executable, "-c", script, tag]) for tag in ("a", "b")]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    cache = Cache(tmp_path)
    assert len(cache) == 300
    assert cache.get(Cache.key({"tag": "b", "i": 149})) == "b-149"


def test_connections_are_reused_by_the_threads_that_come_next(tmp_path):
    """An optimizer starts a new pool of threads for every evaluation: the cache must not open a
    connection per thread (40 pools of 16 threads opened 640 before, past a process's 1,024 files)."""
    cache = Cache(tmp_path)
    for pool in range(40):
        with ThreadPoolExecutor(max_workers=16) as executor:
            list(executor.map(lambda i, p=pool: cache.put(f"{p}-{i}", "m", "a"), range(64)))
    assert len(cache) == 40 * 64
    assert len(cache._connections) <= 17  # at most one per thread at once, and the constructor's
    cache.close()
    assert cache.get("0-0") == "a"  # reopens after close


def test_an_answer_is_read_back_the_moment_it_is_put_by_any_cache_of_the_file(tmp_path, monkeypatch):
    """Answers are written behind, in batches: every Cache of the file in this process reads the queue."""
    from lmc.runtime.lm import cache as cache_module

    monkeypatch.setattr(cache_module, "_GATHER_SECONDS", 5.0)  # nothing is written while the test looks
    first, second = Cache(tmp_path), Cache(tmp_path)
    first.put("k", "m", "queued", prompt_tokens=3)
    assert second.answer("k") == Answer("queued", 3, 0, 0.0)
    with sqlite3.connect(tmp_path / Cache.FILENAME) as raw:  # another process sees it only once written
        assert raw.execute("SELECT COUNT(*) FROM answers").fetchone() == (0,)
    second.flush()  # written now, without waiting out the gathering
    with sqlite3.connect(tmp_path / Cache.FILENAME) as raw:
        assert raw.execute("SELECT text, prompt_tokens FROM answers").fetchall() == [("queued", 3)]


def test_a_write_that_fails_is_raised_once_by_the_next_put_or_flush(tmp_path, monkeypatch):
    from lmc.runtime.lm import cache as cache_module
    from lmc.runtime.lm.cache import CacheError

    cache = Cache(tmp_path)
    monkeypatch.setattr(cache_module, "_INSERT", "INSERT INTO no_such_table VALUES (?, ?, ?, ?, ?, ?, ?)")
    cache.put("lost", "m", "a")
    with pytest.raises(CacheError, match="cannot be written .*no such table.*--no-cache"):
        cache.flush()
    cache.flush()  # said once: the cache goes on
    monkeypatch.undo()
    cache.put("kept", "m", "b")
    assert len(cache) == 1 and cache.get("kept") == "b" and cache.get("lost") is None


def test_a_forked_child_writes_its_own_answers_and_its_parent_keeps_its_queue(tmp_path, monkeypatch):
    import os

    from lmc.runtime.lm import cache as cache_module

    monkeypatch.setattr(cache_module, "_GATHER_SECONDS", 5.0)
    cache = Cache(tmp_path)
    cache.put("parent", "m", "from the parent")  # queued, not written, when the process forks
    pid = os.fork()
    if pid == 0:  # the child: an empty queue of its own, and a writer of its own
        code = 0 if cache._writes.get("parent") is not None else 1  # the copy of the parent's queue
        try:
            cache.put("child", "m", "from the child")
            code += 0 if cache._writes.get("parent") is None else 2  # a new queue: the parent writes its own
            cache.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    cache.flush()
    assert {key: cache.get(key) for key in ("parent", "child")} == {
        "parent": "from the parent",
        "child": "from the child",
    }
