"""The wheel carries the grammar and templates, and lmc works from it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.package_tests import wheel_files

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{proc.stderr[-2000:]}")
    (found,) = out.glob("lmc_compiler-*.whl")  # the distribution is lmc-compiler (`lmc` on PyPI is another project)
    return found


def test_wheel_ships_grammar_templates_and_runtime(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "lmc/grammar/lmp.lark" in names
    assert "lmc/py.typed" in names  # the API is typed for its users' checkers (PEP 561)
    assert any(n.startswith("lmc/templates/") and n.endswith(".jinja") for n in names)
    runtime = ROOT / "lmc" / "runtime"
    for src in runtime.rglob("*.py"):
        assert f"lmc/runtime/{src.relative_to(runtime).as_posix()}" in names


def test_lmc_parses_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import lmc.resources as r, lmc.syntax.parse as p;"
        "assert str(r.resource_dir('grammar')).startswith(sys.argv[1]), r.resource_dir('grammar');"
        "assert str(r.resource_dir('templates')).startswith(sys.argv[1]);"
        "f, d = p.parse('signature QA = \"question -> answer\"\\n', 'x.lmp');"
        "assert f is not None and not d, d; print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_an_emitted_package_wheel_ships_py_typed_and_its_runtime(tmp_path: Path) -> None:
    from lmc.codegen import render_package, write_package
    from lmc.syntax.parse import parse

    sample = ROOT / "samples" / "sentiment" / "sentiment.lmp"
    text = sample.read_text(encoding="utf-8")
    source, _ = parse(text, sample.name)
    assert source is not None
    files = render_package(source, package="sentiment", source_dir=sample.parent, source_text=text)
    write_package(files, tmp_path / "sentiment")
    _, names = wheel_files(tmp_path / "sentiment", "sentiment", tmp_path / "dist")
    assert "sentiment/py.typed" in names
    assert names == {str(p) for p in files if p.parts[0] == "sentiment"}  # the package, exactly
