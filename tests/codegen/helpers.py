"""Compile ``.lmp`` text to a rendered, loaded package in one call (codegen tests only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from types import ModuleType

from lmc.checks import run_checks
from lmc.codegen import ParityCase, render_package
from lmc.diagnostics.core import Severity
from lmc.host.loader import load_package
from lmc.ir import nodes as ir
from lmc.runtime.signature import Params
from lmc.syntax.parse import parse

Files = dict[PurePosixPath, bytes]


def parse_ok(text: str, folder: Path, *, name: str = "prog.lmp", check: bool = True) -> ir.SourceFile:
    """Write ``text`` as ``folder/name``, parse it and (by default) assert the checks pass."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    source, syntax = parse(text, name)
    assert source is not None and not syntax, syntax
    if check:
        errors = [d for d in run_checks(source, folder) if d.severity is Severity.ERROR]
        assert not errors, errors
    return source


def render_text(
    text: str,
    folder: Path,
    *,
    package: str = "pkg",
    params: Mapping[str, Params] | None = None,
    parity: Sequence[ParityCase] = (),
    check: bool = True,
) -> Files:
    source = parse_ok(text, folder, check=check)
    return render_package(source, package=package, source_dir=folder, source_text=text, params=params, parity=parity)


def load_text(text: str, folder: Path, *, package: str = "pkg", **kwargs: object) -> ModuleType:
    return load_package(render_text(text, folder, package=package, **kwargs), package=package)


def text_files(files: Files) -> dict[str, str]:
    """The generated (not copied) text files, decoded."""
    return {
        str(p): data.decode("utf-8")
        for p, data in files.items()
        if "_runtime" not in p.parts and "data" not in p.parts and p.suffix in {".py", ".toml", ".md", ".json"}
    }
