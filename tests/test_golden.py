"""Golden files: the IR dump and the emitted package of every sample, byte for byte.

``tests/golden/<stem>/ir.txt`` holds ``ir_dump.dump`` of ``samples/**/<stem>.lmp``
and ``tests/golden/<stem>/package/`` the package rendered with default
parameters, minus ``_runtime/`` (the modules of ``lmc/runtime`` the package
uses, copied verbatim: ``tests/codegen/test_render.py`` and ``test_vendor.py``). Run
``pytest tests/test_golden.py --update-golden`` after an intended change and
review the diff.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path, PurePosixPath

import pytest

from lmc.checks import run_checks
from lmc.codegen import render_package
from lmc.diagnostics.core import Severity
from lmc.ir.dump import dump
from lmc.syntax.parse import parse

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
SAMPLES = sorted(p for p in (ROOT / "samples").rglob("*.lmp") if "errors" not in p.relative_to(ROOT).parts)


def _expected(path: Path) -> dict[PurePosixPath, bytes]:
    """What the golden folder of one sample holds, computed now."""
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT).as_posix()
    source, syntax = parse(text, rel)
    if source is None or any(d.severity is Severity.ERROR for d in syntax):
        pytest.skip(f"{rel} does not parse")
    errors = [d for d in run_checks(source, path.parent) if d.severity is Severity.ERROR]
    if errors:
        pytest.skip(f"{rel} does not pass the checks: {errors[0].message}")
    files = {PurePosixPath("ir.txt"): dump(source).encode("utf-8")}
    package = render_package(source, package=path.stem, source_dir=path.parent, source_text=text)
    for rel_path, data in package.items():
        if rel_path.parts[1:2] != ("_runtime",):
            files[PurePosixPath("package") / rel_path] = data
    return files


def _stored(folder: Path) -> dict[PurePosixPath, bytes]:
    return {
        PurePosixPath(*p.relative_to(folder).parts): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not _is_cache(p.relative_to(folder))
    }


def _is_cache(rel: Path) -> bool:
    """Tool caches (``__pycache__``, ``.ruff_cache``) that appear when the golden folder is linted or run."""
    return any(part == "__pycache__" or part.startswith(".") for part in rel.parts)


def _diff(name: PurePosixPath, want: bytes, got: bytes) -> str:
    lines = difflib.unified_diff(
        want.decode("utf-8", "replace").splitlines(),
        got.decode("utf-8", "replace").splitlines(),
        f"golden/{name}",
        f"now/{name}",
        lineterm="",
    )
    return "\n".join(list(lines)[:80])


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_golden(sample: Path, update_golden: bool) -> None:
    expected = _expected(sample)
    folder = GOLDEN / sample.stem
    if update_golden:
        shutil.rmtree(folder, ignore_errors=True)
        for rel, data in expected.items():
            target = folder.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return
    assert folder.is_dir(), f"{folder} is missing; run pytest tests/test_golden.py --update-golden"
    stored = _stored(folder)
    assert sorted(stored) == sorted(expected), "the set of generated files changed (--update-golden to accept)"
    for name, data in expected.items():
        assert stored[name] == data, f"{name} changed (--update-golden to accept):\n{_diff(name, stored[name], data)}"
