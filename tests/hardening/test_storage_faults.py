"""A bad ``--storage`` URL, or a damaged optuna store, is a clean error naming it, never a crash."""

from __future__ import annotations

from pathlib import Path

from lmc.cli.main import main
from lmc.optimize.mipro.study import storage_problem
from tests.optimize.test_new_optimizers_build import SEARCH_TEXT as SEARCH
from tests.optimize.test_prompt_optimizers_build import MIPRO
from tests.stub_project import stub_project


def test_a_url_that_names_no_database_is_refused_before_any_lm_call(tmp_path: Path, monkeypatch, capsys):
    assert storage_problem("not a url") is not None and storage_problem("sqlite:///x.db") is None
    with stub_project(tmp_path, monkeypatch, replace=[(SEARCH, MIPRO)]) as (server, project):
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--storage", "not a url"]) == 3
        err = capsys.readouterr().err
        assert "--storage 'not a url' is not a database URL" in err and "internal error" not in err
        assert server.count == 0


def test_a_damaged_optuna_store_says_which_file_and_what_to_do(tmp_path: Path, monkeypatch, capsys):
    store = tmp_path / "study.sqlite3"
    store.write_bytes(b"this is not a database" * 512)
    with stub_project(tmp_path, monkeypatch, replace=[(SEARCH, MIPRO)]) as (server, project):
        code = main(["build", str(project), "-o", str(tmp_path / "out"), "--storage", f"sqlite:///{store}"])
    err = capsys.readouterr().err
    assert code == 3 and "cannot be opened" in err and "move it aside" in err and str(store) in err
    assert "internal error" not in err and "Traceback" not in err
