"""A package ships the runtime modules its code can import, and no others.

The set follows the runtime's own imports (lazy ones included) from the
generated files, plus the module kinds its programs declare; each sample's
package, written alone, still imports and passes its own tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from lmc.codegen.vendor import kind_modules, vendor_runtime
from lmc.runtime.modules import KINDS
from tests.codegen.helpers import Files, render_text
from tests.codegen.test_render import SAMPLES, SENTIMENT
from tests.package_tests import run_package_tests
from tests.runtime.test_pot import SOURCE as POT


def _runtime(files: Files, package: str = "pkg") -> set[str]:
    root = PurePosixPath(package, "_runtime")
    return {str(p.relative_to(root)) for p in files if p.is_relative_to(root)}


def test_a_predict_only_package_ships_no_module_kind(tmp_path: Path) -> None:
    shipped = _runtime(render_text(SENTIMENT, tmp_path))
    assert {"__init__.py", "program.py", "modules.py", "package.py", "lm/client.py", "lm/local.py"} <= shipped
    assert not any(p.startswith("kinds/") for p in shipped)
    assert not {"tools.py", "retrieve.py", "judge.py", "builtins.py"} & shipped


def test_a_program_of_thought_package_ships_its_kind_and_the_sandbox(tmp_path: Path) -> None:
    shipped = _runtime(render_text(POT, tmp_path))
    kinds = {p for p in shipped if p.startswith("kinds/")}
    assert kinds == {
        "kinds/__init__.py",
        "kinds/pot.py",
        "kinds/sandbox.py",
        "kinds/sandbox_boot.py",
        "kinds/sandbox_confine.py",
    }


def test_module_kinds_name_their_runtime_modules() -> None:
    assert kind_modules(["Predict", "ChainOfThought"]) == ("modules",)
    assert kind_modules(["ReAct", "Refine", "ReAct", "NoSuchKind"]) == ("kinds.react", "kinds.refine")


def test_each_kind_names_the_module_that_defines_it() -> None:
    for kind in KINDS:
        assert KINDS.module_of(kind) == KINDS[kind].__module__, kind
    assert KINDS.module_of("NoSuchKind") is None


def test_naming_the_kinds_imports_none_of_them() -> None:
    """Rendering a package names every kind's module (``vendor_runtime``); importing them all cost ~25 ms
    (asyncio with ReAct) in every ``lmc build``."""
    code = (
        "import sys\n"
        "from lmc.codegen.vendor import kind_modules\n"
        "from lmc.runtime.modules import KINDS\n"
        "assert len(kind_modules(KINDS)) > 3\n"
        "print(sorted(m for m in sys.modules if m.startswith('lmc.runtime.kinds') or m == 'asyncio'))\n"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"


def test_imports_are_followed_lazy_typing_only_and_relative_to_their_package() -> None:
    generated = {"app/__init__.py": "def f():\n    from ._runtime import builtins\n"}
    shipped = set(map(str, vendor_runtime("app", generated).files))
    # builtins.py imports metrics.py at the top; metrics.py imports types.py.
    assert {"__init__.py", "builtins.py", "metrics.py", "types.py"} <= shipped
    assert "program.py" not in shipped
    # signature.py names knn.py only under TYPE_CHECKING and inside a method.
    shipped = set(map(str, vendor_runtime("app", {"app/x.py": "from ._runtime.signature import Params\n"}).files))
    assert {"signature.py", "knn.py"} <= shipped


def test_kinds_named_for_the_type_checker_alone_are_declared_absent_not_shipped() -> None:
    """A kind's file ships when a program declares the kind (or code imports it to run), never for a typing import."""
    generated = {"app/x.py": "from ._runtime.modules import KINDS\n"}
    every_kind = {f"app._runtime.{m}" for m in kind_modules(KINDS)} - {"app._runtime.modules"}
    alone = vendor_runtime("app", generated)
    assert not any(str(p).startswith("kinds/") for p in alone.files)
    # What the runtime names under TYPE_CHECKING (modules.py checks each kind against its protocol), or nothing.
    assert set(alone.absent) <= every_kind
    with_pot = vendor_runtime("app", generated, ["kinds.pot"])
    assert "kinds/pot.py" in set(map(str, with_pot.files))
    assert set(with_pot.absent) == set(alone.absent) - {"app._runtime.kinds.pot"}


def test_the_package_tells_mypy_what_it_does_not_ship(tmp_path: Path) -> None:
    files = render_text(SENTIMENT, tmp_path)
    python = {str(p): d.decode() for p, d in files.items() if p.suffix == ".py" and "_runtime" not in p.parts}
    vendored = vendor_runtime("pkg", python, ["modules"])
    pyproject = files[PurePosixPath("pyproject.toml")].decode()
    for name in (*vendored.absent, *(f"{m}.*" for m in vendored.untyped_imports)):
        assert f'  "{name}",\n' in pyproject
    assert "litellm" in vendored.untyped_imports and "bm25s" not in vendored.untyped_imports


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLES])
def test_each_sample_package_passes_its_own_tests_with_its_runtime(
    sample: str, sample_packages: dict[str, Path]
) -> None:
    done = run_package_tests(sample_packages[sample], sample, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLES])
def test_each_shipped_runtime_module_imports(sample: str, sample_packages: dict[str, Path]) -> None:
    """Every vendored module (the sandbox's boot script aside: it runs, it is never imported)."""
    runtime = sample_packages[sample] / sample / "_runtime"
    modules = [
        ".".join((sample, "_runtime", *p.relative_to(runtime).with_suffix("").parts)).removesuffix(".__init__")
        for p in sorted(runtime.rglob("*.py"))
        if p.name != "sandbox_boot.py"
    ]
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    done = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=sample_packages[sample],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "", "PYTHONPATH": str(sample_packages[sample]), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr


def test_a_runtime_name_whose_module_is_not_shipped_is_an_attribute_error(sample_packages: dict[str, Path]) -> None:
    root = sample_packages["sentiment"]
    code = (
        "import sentiment._runtime as rt\n"
        "assert rt.Predict.__name__ == 'Predict'\n"
        "assert not hasattr(rt, 'ReAct')\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr
