"""Loading rendered packages in-process: private names, shared runtime, repeatable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

import lmc.runtime
import lmc.runtime.program
import lmc.runtime.signature
from lmc.host.loader import load_package
from tests.codegen.helpers import render_text

SOURCE = """
signature Echo {
  in text: str
  out said: str
}

program echo(text: str) -> (said: str) {
  module m = Predict(Echo)
  return m(text=text)
}
"""


def test_each_load_gets_a_private_name_and_shares_the_runtime(tmp_path: Path) -> None:
    files = render_text(SOURCE, tmp_path, package="echo")
    first = load_package(files, package="echo")
    second = load_package(files, package="echo")
    assert first.__name__ != second.__name__
    assert first.__name__.startswith("_lmc_") and "echo" not in sys.modules
    assert first.programs.echo is not second.programs.echo
    assert first._runtime is lmc.runtime
    assert sys.modules[first.__name__ + "._runtime.program"] is lmc.runtime.program
    assert type(first.PARAMS["echo.m"]) is lmc.runtime.signature.Params
    assert isinstance(second.programs.echo, lmc.runtime.program.Program)


def test_a_package_that_fails_to_import_leaves_nothing_behind(tmp_path: Path) -> None:
    files = dict(render_text(SOURCE, tmp_path, package="echo"))
    files[PurePosixPath("echo/params.py")] = b"raise RuntimeError('broken on purpose')\n"
    before = set(sys.modules)
    with pytest.raises(RuntimeError, match="broken on purpose"):
        load_package(files, package="echo")
    assert {m for m in set(sys.modules) - before if m.startswith("_lmc_")} == set()


def test_loading_imports_neither_litellm_nor_the_local_provider(tmp_path: Path) -> None:
    """In a fresh interpreter: loading and importing the package stays light."""
    files = render_text(SOURCE, tmp_path, package="echo")
    rendered = tmp_path / "files.pickle"  # the files, runtime included, exceed one command-line argument
    rendered.write_bytes(__import__("pickle").dumps(files))
    script = (
        "import sys, pickle\n"
        "from lmc.host.loader import load_package\n"
        f"files = pickle.loads(open({str(rendered)!r}, 'rb').read())\n"
        "pkg = load_package(files, package='echo')\n"
        "assert 'litellm' not in sys.modules, 'litellm'\n"
        "assert 'lmc.runtime.lm.local' not in sys.modules, 'local'\n"
        "print(pkg.echo)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "<program echo(text) -> EchoResult>" in done.stdout
