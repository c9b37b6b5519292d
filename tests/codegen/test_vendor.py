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

from lmc.codegen import write_package
from lmc.codegen.vendor import kind_modules, vendor_runtime
from tests.codegen.helpers import Files, render_text
from tests.codegen.test_render import SAMPLES, SENTIMENT, _render_sample
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
    assert kinds == {"kinds/__init__.py", "kinds/pot.py", "kinds/sandbox.py", "kinds/sandbox_boot.py"}


def test_module_kinds_name_their_runtime_modules() -> None:
    assert kind_modules(["Predict", "ChainOfThought"]) == ("modules",)
    assert kind_modules(["ReAct", "Refine", "ReAct", "NoSuchKind"]) == ("kinds.react", "kinds.refine")


def test_imports_are_followed_lazy_typing_only_and_relative_to_their_package() -> None:
    generated = {"app/__init__.py": "def f():\n    from ._runtime import builtins\n"}
    shipped = set(map(str, vendor_runtime("app", generated).files))
    # builtins.py imports metrics.py at the top; metrics.py imports types.py.
    assert {"__init__.py", "builtins.py", "metrics.py", "types.py"} <= shipped
    assert "program.py" not in shipped
    # signature.py names knn.py only under TYPE_CHECKING and inside a method.
    shipped = set(map(str, vendor_runtime("app", {"app/x.py": "from ._runtime.signature import Params\n"}).files))
    assert {"signature.py", "knn.py"} <= shipped


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every sample's package on disk, alone."""
    out = {}
    for sample in SAMPLES:
        root = tmp_path_factory.mktemp("vendored") / sample.stem
        write_package(_render_sample(sample), root)
        out[sample.stem] = root
    return out


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLES])
def test_each_sample_package_passes_its_own_tests_with_its_runtime(sample: str, written: dict[str, Path]) -> None:
    done = run_package_tests(written[sample], sample, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLES])
def test_each_shipped_runtime_module_imports(sample: str, written: dict[str, Path]) -> None:
    """Every vendored module (the sandbox's boot script aside: it runs, it is never imported)."""
    runtime = written[sample] / sample / "_runtime"
    modules = [
        ".".join((sample, "_runtime", *p.relative_to(runtime).with_suffix("").parts)).removesuffix(".__init__")
        for p in sorted(runtime.rglob("*.py"))
        if p.name != "sandbox_boot.py"
    ]
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    done = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=written[sample],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "", "PYTHONPATH": str(written[sample]), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr


def test_a_runtime_name_whose_module_is_not_shipped_is_an_attribute_error(written: dict[str, Path]) -> None:
    root = written["sentiment"]
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
