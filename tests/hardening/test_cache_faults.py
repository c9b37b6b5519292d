"""A fault of the LM cache is never a score: a damaged file, or a cache folder that is a file, stops the run.

Before, a damaged cache page made every row "(no output)", `lmc eval` exited 0
with 0.0 and `lmc build` wrote the wrong score into build.json and the lock.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from lmc.cli.main import main
from lmc.runtime.errors import LMError
from lmc.runtime.lm.cache import Cache, CacheError
from lmc.runtime.lm.client import LM
from tests.runtime.stub_server import StubServer
from tests.stub_project import stub_project
from tests.test_lock import files_of


def damage(cache: Path) -> None:
    """Overwrite the cache's pages with garbage, as a bad disk or a stray write would."""
    (db,) = cache.glob("*.sqlite3")
    for file in (db, *cache.glob("*.sqlite3-*")):  # the file, its WAL and its index: a new file, so no open
        file.unlink()  # connection of this process keeps reading the old pages
    db.write_bytes(b"this is not a database" * 512)


def test_a_damaged_cache_stops_eval_and_build_with_exit_3_and_says_what_to_do(tmp_path, monkeypatch, capsys):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        assert main(["build", str(project), "-o", str(tmp_path / "first")]) == 0  # fills the cache, writes the lock
        assert main(["eval", str(project), "classify", "--dataset", "dev"]) == 0
        damage(tmp_path / "cache")
        capsys.readouterr()
        assert main(["eval", str(project), "classify", "--dataset", "dev"]) == 3
        err = capsys.readouterr().err
        assert "the LM cache" in err and "cannot be" in err and "--no-cache" in err
        assert "internal error" not in err and "failed: see below" not in err
        assert main(["build", str(project), "-o", str(tmp_path / "second")]) == 3
        assert not (tmp_path / "second" / "app" / "build.json").exists(), "a score was written"
        assert main(["eval", str(project), "classify", "--dataset", "dev", "--no-cache"]) == 0  # the way out


def test_a_cache_folder_that_is_a_file_is_a_clean_error(tmp_path, monkeypatch, capsys):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("")
        monkeypatch.setenv("LMC_CACHE_DIR", str(blocker))
        assert main(["run", str(project), "classify", "--input", "sentence=Fine."]) == 3
        err = capsys.readouterr().err
        assert f"the LM cache {blocker}" in err and "internal error" not in err
        assert server.count == 0


def test_the_client_never_answers_from_a_cache_it_cannot_read(tmp_path):
    cache = Cache(tmp_path)
    with StubServer(answer=lambda body: "an answer") as server:
        lm = LM("openai/stub", api_base=server.api_base, cache=cache)
        assert lm.complete([{"role": "user", "content": "hi"}]) == "an answer"
        cache.close()
        damage(tmp_path)
        with pytest.raises(LMError, match="cannot be read"):
            lm.complete([{"role": "user", "content": "hi"}])
    with pytest.raises(CacheError, match="cannot be opened"):
        Cache(tmp_path / Cache.FILENAME)  # a folder where the damaged file is


def test_a_cache_write_on_a_full_disk_stops_the_build_and_nothing_is_scored(tmp_path, monkeypatch, capsys):
    """SQLite answers "database or disk is full" (SQLITE_FULL) when the disk fills up under the cache: the
    answer of that call is not used, the build stops (exit 3), and the previous package and lock stay."""
    with stub_project(tmp_path, monkeypatch) as (server, project):
        out, lock = tmp_path / "out", tmp_path / "app.lock"
        assert main(["build", str(project), "-o", str(out)]) == 0
        package, locked = files_of(out / "app"), lock.read_bytes()

        monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "fresh-cache"))  # so that the build asks the LM
        put, writes = Cache.put, 0

        def full(self: Cache, *args, **kwargs) -> None:
            nonlocal writes
            writes += 1
            if writes == 10:  # while the optimizer runs
                raise CacheError(self.path, "written", sqlite3.OperationalError("database or disk is full"))
            put(self, *args, **kwargs)

        monkeypatch.setattr(Cache, "put", full)
        capsys.readouterr()
        assert main(["build", str(project), "-o", str(out)]) == 3
        err = capsys.readouterr().err
        assert "the LM cache" in err and "cannot be written" in err and "database or disk is full" in err
        assert "--no-cache" in err and "internal error" not in err and "Traceback" not in err
        assert "optimized" not in err, "a score was reported"
    assert files_of(out / "app") == package and lock.read_bytes() == locked


def test_a_write_behind_that_fails_stops_the_build_before_it_reports(tmp_path, monkeypatch, capsys):
    """The answers are written in batches behind the calls: a batch the file refuses is raised by the next
    put or, at the latest, when the build flushes the cache before it reports. Exit 3, nothing written."""
    from lmc.runtime.lm import cache as cache_module

    with stub_project(tmp_path, monkeypatch) as (server, project):
        out = tmp_path / "out"
        monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "fresh-cache"))
        monkeypatch.setattr(cache_module, "_INSERT", "INSERT INTO answers_gone VALUES (?, ?, ?, ?, ?, ?, ?)")
        capsys.readouterr()
        assert main(["build", str(project), "-o", str(out)]) == 3
        err = capsys.readouterr().err
        assert "the LM cache" in err and "cannot be written" in err and "no such table: answers_gone" in err
        assert "internal error" not in err and "Traceback" not in err
    assert not (out / "app" / "build.json").exists() and not (tmp_path / "app.lock").exists()
    with contextlib.suppress(CacheError):  # what the stopped build's last threads put, refused too
        cache_module.flush_writes()
