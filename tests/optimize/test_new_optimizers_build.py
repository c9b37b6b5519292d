"""Ensemble, KNNFewShot and BootstrapFinetune through ``lmc build`` against the loopback stub project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmc.building.lock import read_lock
from lmc.cli.main import main
from tests.stub_project import stub_project

SEARCH_TEXT = (
    "BootstrapFewShotWithRandomSearch { max_bootstrapped_demos: 2, max_labeled_demos: 2, num_candidate_programs: 2 }"
)


def _build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, optimizer: str, capsys=None) -> tuple[int, Path]:
    with stub_project(tmp_path, monkeypatch, replace=[(SEARCH_TEXT, optimizer)]) as (_, project):
        out = tmp_path / "out"
        return main(["build", str(project), "-o", str(out), "--threads", "1"]), out


def _params_py(out: Path) -> str:
    (params,) = out.glob("*/*/params.py")
    return params.read_text(encoding="utf-8")


def test_an_ensemble_after_a_search_is_emitted_with_its_members(tmp_path, monkeypatch):
    code, out = _build(tmp_path, monkeypatch, f"[{SEARCH_TEXT}, Ensemble {{ size: 2 }}]")
    assert code == 0
    assert "members=(" in _params_py(out)
    (lock,) = tmp_path.glob("*.lock")
    assert all(len(p.members) == 2 for p in read_lock(lock).params.values())


def test_knn_is_emitted_with_its_table_and_rebuilds_frozen_identically(tmp_path, monkeypatch):
    code, out = _build(tmp_path, monkeypatch, "KNNFewShot { k: 2 }")
    assert code == 0
    first = _params_py(out)
    assert 'knn=TABLES["' in first and "read_table(__file__, " in first
    (table,) = out.glob("*/*/knn/*.json")
    rows = table.read_bytes()
    assert b'"rows": [' in rows
    (project,) = tmp_path.glob("app.lmp")
    assert main(["build", str(project), "-o", str(out), "--frozen"]) == 0
    assert _params_py(out) == first
    assert table.read_bytes() == rows


def test_the_lock_holds_a_knn_table_once_and_reads_format_2_locks_that_inline_it(tmp_path, monkeypatch):
    """Format 3 writes the table once and names it in the step's params and the result's; a format 2
    lock (the table written where it is used) reads back to the same params; a missing name is refused."""
    from lmc.building.lock import Lock, LockError

    assert _build(tmp_path, monkeypatch, "KNNFewShot { k: 2 }")[0] == 0
    (path,) = tmp_path.glob("app.lock")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 3 and list(data["knn_tables"]) == ["1"]
    (step,) = data["blocks"][0]["steps"]
    named = [p["knn"] for p in (*step["params"].values(), *data["result"]["params"].values())]
    assert named and set(named) == {"1"}
    lock = read_lock(path)
    tables = [p.knn for p in lock.params.values()] + [p.knn for p in lock.blocks[0].steps[0].params.values()]
    assert all(table is tables[0] for table in tables)
    assert Lock.from_text(lock.to_text()).to_text() == lock.to_text() == path.read_text(encoding="utf-8")

    inline = json.loads(json.dumps(data))
    table = inline.pop("knn_tables")["1"]
    for params in (*inline["blocks"][0]["steps"][0]["params"].values(), *inline["result"]["params"].values()):
        params["knn"] = table
    inline["format"] = 2
    assert Lock.from_text(json.dumps(inline)).params == lock.params

    path = next(iter(data["result"]["params"]))
    data["result"]["params"][path]["knn"] = "7"
    with pytest.raises(LockError, match="KNN table '7'"):
        Lock.from_text(json.dumps(data))
    data["result"]["params"][path]["knn"] = 5
    with pytest.raises(LockError, match=f"the KNN table of {path} is int"):
        Lock.from_text(json.dumps(data))
    data["knn_tables"]["1"]["rows"][0]["vector"] = "x:y"
    data["result"]["params"][path]["knn"] = "1"
    with pytest.raises(LockError, match="bucket:weight"):
        Lock.from_text(json.dumps(data))


def test_a_lock_without_a_table_is_written_as_format_2(tmp_path, monkeypatch):
    assert _build(tmp_path, monkeypatch, SEARCH_TEXT)[0] == 0
    (path,) = tmp_path.glob("app.lock")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 2 and "knn_tables" not in data


def test_finetune_on_a_custom_api_base_stops_with_exit_3_after_writing_the_data(tmp_path, monkeypatch, capsys):
    # The stub answers only with demos in the prompt: LabeledFewShot gives the teacher some.
    code, out = _build(tmp_path, monkeypatch, "[LabeledFewShot { k: 2 }, BootstrapFinetune]")
    assert code == 3
    files = list(out.glob(".*-state/finetune/*.jsonl"))
    assert files and all(f.read_text(encoding="utf-8").strip() for f in files)
    err = capsys.readouterr().err
    assert "cannot be fine-tuned" in err and str(files[0].parent) in err


def test_finetune_without_any_passing_run_says_so(tmp_path, monkeypatch, capsys):
    code, _ = _build(tmp_path, monkeypatch, "BootstrapFinetune")
    assert code == 3 and "nothing to fine-tune on" in capsys.readouterr().err
