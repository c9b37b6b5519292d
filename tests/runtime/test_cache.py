"""The SQLite answer cache: keys, persistence, threads and concurrent processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lmc.runtime.cache import Cache

ROOT = Path(__file__).resolve().parents[2]


def test_put_get_and_persistence(tmp_path):
    cache = Cache(tmp_path / "nested" / "dir")
    key = Cache.key({"model": "m", "messages": [{"role": "user", "content": "é"}]})
    assert cache.get(key) is None
    cache.put(key, "m", "answer «é»")
    cache.close()
    assert Cache(tmp_path / "nested" / "dir").get(key) == "answer «é»"


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
        from lmc.runtime.cache import Cache
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
