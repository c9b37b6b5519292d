"""Ensemble, KNNFewShot and BootstrapFinetune through ``lmc build`` against the loopback stub project."""

from __future__ import annotations

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
    assert 'knn=read_table(__file__, "' in first
    (table,) = out.glob("*/*/knn/*.json")
    rows = table.read_bytes()
    assert b'"rows": [' in rows
    (project,) = tmp_path.glob("app.lmp")
    assert main(["build", str(project), "-o", str(out), "--frozen"]) == 0
    assert _params_py(out) == first
    assert table.read_bytes() == rows


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
