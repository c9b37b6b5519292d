"""Code generation: a checked ``.lmp`` file (IR) to a standalone Python package, in memory.

``render_package`` builds every file of ``DIR/<package>/`` as bytes: the
templated files (formatted with ruff), the runtime modules the package uses
copied byte for byte from ``lmc/runtime`` (``vendor.py``), the user's tool
modules, the retrievers' corpora and their bm25 indexes (built here, at
build time).
``write_package`` puts them on disk last. The same renderer serves the
optimizer (``loader.load_package`` imports the rendered package) and the
final build, so the code that was optimized is the code that ships. To be
imported in-process (``importable=True``) it leaves out what only a package
on disk needs: the formatting (ruff changes the layout, never a value), the
vendored runtime (the loader binds ``_runtime`` to lmc's own) and the project
files; that saves a ruff process and the vendoring before a build's first
LM call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from ..ir import nodes as ir
from ..runtime.signature import Params
from ..version import __version__
from .errors import CodegenError
from .files import write_package
from .format import format_many
from .info import BuildInfo, ParityCase, ScoreRow
from .param_parts import knn_files
from .parity import RecordingLM, record_parity
from .render import render_code_files, render_project_files
from .retrievers import corpus_files, index_files
from .vendor import vendor_runtime
from .views import build_view

__all__ = [
    "BuildInfo",
    "CodegenError",
    "ParityCase",
    "RecordingLM",
    "ScoreRow",
    "record_parity",
    "render_package",
    "write_package",
]


def render_package(
    source: ir.SourceFile,
    *,
    package: str,
    source_dir: Path,
    source_text: str,
    params: Mapping[str, Params] | None = None,
    parity: Sequence[ParityCase] = (),
    info: BuildInfo | None = None,
    importable: bool = False,
) -> dict[PurePosixPath, bytes]:
    """Every file of the package, by path relative to ``DIR/<package>/``, in sorted order.

    ``importable``: only the files ``loader.load_package`` needs to import it
    in-process (the code unformatted, no runtime, no project files).

    ``params`` maps module paths (``"program.module"``) to learned parameters;
    modules without an entry keep their signature's instructions and no demos.
    Raises ``CodegenError`` for IR that checks should have rejected, and
    ``DataError`` for a corpus that cannot be indexed.
    """
    if info is None:
        info = BuildInfo(
            lmc_version=__version__,
            source_name=Path(source.path).name,
            source_sha256=hashlib.sha256(source_text.encode("utf-8")).hexdigest(),
        )
    view = build_view(source, package=package, source_dir=source_dir, params=params, parity=parity, info=info)
    rendered = render_code_files(view)
    pkg = PurePosixPath(package)
    if importable:
        files = {PurePosixPath(name): text.encode("utf-8") for name, text in rendered.items() if name.endswith(".py")}
    else:
        formatted = format_many({name: text for name, text in rendered.items() if name.endswith(".py") and text})
        code = {name: formatted.get(name, text) for name, text in rendered.items()}
        vendored = vendor_runtime(
            package, {name: text for name, text in code.items() if name.endswith(".py")}, view.kind_modules
        )
        texts = {**code, **render_project_files(view, vendored)}
        files = {PurePosixPath(name): text.encode("utf-8") for name, text in texts.items()}
        for rel, data in vendored.files.items():
            files[pkg / "_runtime" / rel] = data
    for ext in view.ext_modules:
        parts = ext.module.split(".")
        for depth in range(1, len(parts)):
            files.setdefault(pkg / "_ext" / PurePosixPath(*parts[:depth]) / "__init__.py", b"")
        files[pkg / "_ext" / PurePosixPath(*parts).with_suffix(".py")] = _read(ext.source)
    for data_file in view.data_files:
        files[pkg / data_file.dest] = _read(data_file.source)
    for name, table in knn_files(params or {}).items():
        files[pkg / name] = table.encode("utf-8")
    retrievers = source.of(ir.RetrieverDecl)
    for rel, data in index_files(retrievers, corpus_files(retrievers, source_dir)).items():
        files[pkg / rel] = data
    return dict(sorted(files.items()))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CodegenError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
