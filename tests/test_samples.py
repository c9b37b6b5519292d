"""The samples check clean, and the multihop tool works where it runs."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from lmc.host.frontend import load_file

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.glob("*/*.lmp") if p.parent.name != "errors"), ids=str)
def test_sample_checks_clean(path: Path) -> None:
    loaded = load_file(str(path))
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    assert loaded.diagnostics == ()


def _load_tool(path: Path):
    spec = importlib.util.spec_from_file_location(f"tools_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lookup


def test_multihop_lookup_in_the_sample_folder() -> None:
    lookup = _load_tool(SAMPLES / "multihop" / "tools.py")
    assert lookup("mira  talvane").startswith("Mira Talvane (1861-1930)")
    assert lookup("Nowhere") == "No passage has the title 'Nowhere'."


def test_multihop_lookup_in_a_built_package_layout(tmp_path: Path) -> None:
    # A package ships the tool as <pkg>/_ext/tools.py and the corpus as <pkg>/data/corpus.jsonl.
    pkg = tmp_path / "multihop"
    (pkg / "_ext").mkdir(parents=True)
    (pkg / "data").mkdir()
    shutil.copy(SAMPLES / "multihop" / "tools.py", pkg / "_ext" / "tools.py")
    shutil.copy(SAMPLES / "multihop" / "data" / "corpus.jsonl", pkg / "data" / "corpus.jsonl")
    lookup = _load_tool(pkg / "_ext" / "tools.py")
    assert lookup("The Glass Orchard").startswith("The Glass Orchard is an 1894 novel")
