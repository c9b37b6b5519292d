"""Compiled templates kept in lmc's cache folder: the same files rendered, and never a failed render."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lmc import resources
from lmc.codegen import render as render_module
from lmc.codegen import render_package
from tests.codegen.helpers import parse_ok

SOURCE = "signature S {\n  in q: str\n  out a: str\n}\nprogram p(q: str) -> (a: str) {\n  module m = Predict(S)\n  return m(q=q)\n}\n"


@pytest.fixture
def fresh_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The templates' environment made again for the test, and again after it (it is kept per process)."""
    monkeypatch.setattr(resources, "_cache_root", None)
    render_module.environment.cache_clear()
    yield
    render_module.environment.cache_clear()


def rendered(tmp_path: Path) -> dict:
    source = parse_ok(SOURCE, tmp_path)
    return render_package(source, package="app", source_dir=tmp_path, source_text=SOURCE)


def test_templates_compile_once_into_the_cache_folder_and_render_the_same(
    fresh_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    without = rendered(tmp_path)  # no cache folder: the Python API's default writes nothing
    render_module.environment.cache_clear()
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    assert rendered(tmp_path) == without
    kept = sorted((tmp_path / "cache" / "templates").glob("__jinja2_*.cache"))
    assert kept, "no compiled template was kept"
    render_module.environment.cache_clear()
    assert rendered(tmp_path) == without  # from the kept files


def test_a_damaged_or_vanished_cache_only_costs_a_compilation(
    fresh_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    expected = rendered(tmp_path)
    for kept in (tmp_path / "cache" / "templates").glob("__jinja2_*.cache"):
        kept.write_bytes(b"\x00not marshal data" * 3)
    render_module.environment.cache_clear()
    assert rendered(tmp_path) == expected
    shutil.rmtree(tmp_path / "cache")  # the folder goes while the environment still points at it
    render_module.environment().cache.clear()  # nothing compiled in memory either: it must write, and cannot
    assert rendered(tmp_path) == expected


def test_no_cache_folder_no_files(fresh_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    rendered(tmp_path)
    assert not (tmp_path / "home").exists()
