"""Python references (``python "module:function"``): well-formed, and the module can be found.

The module is located without importing it (importing user code runs it):
first as a file or package beside the ``.lmp`` file, then through the
import system's finders, walking a dotted name one package at a time by
its search locations. A module that cannot be found is a warning, not an
error: it may be installed only where the package runs.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
from pathlib import Path

from ..diagnostics import catalog
from ..diagnostics.core import Span
from ..ir import nodes as ir
from .context import CheckContext

_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_REF = re.compile(rf"({_DOTTED}):({_DOTTED})\Z")


def check(ctx: CheckContext) -> None:
    for decl in ctx.source_file.decls:
        if isinstance(decl, ir.ToolDecl):
            _ref(ctx, decl.impl.ref, decl.impl.span, f"tool `{decl.name.name}`")
        elif isinstance(decl, ir.MetricDecl) and isinstance(decl.expr, ir.PythonRef):
            _ref(ctx, decl.expr.ref, decl.expr.span, f"metric `{decl.name.name}`")
        elif isinstance(decl, ir.RetrieverDecl) and decl.kind.name == "python":
            _ref(ctx, decl.source, decl.source_span or decl.span, f"retriever `{decl.name.name}`")


def _ref(ctx: CheckContext, ref: str, span: Span, owner: str) -> None:
    match = _REF.match(ref)
    if match is None:
        module, _, function = ref.rpartition(".")
        help = catalog.COLON_NOT_DOT if ":" not in ref and "." in ref else None
        ctx.report(
            catalog.BAD_PYTHON_REFERENCE, span, help=help, owner=owner, ref=ref, module=module, function=function
        )
        return
    module = match.group(1)
    if not module_exists(module, ctx.base_dir):
        file = module.replace(".", "/") + ".py"
        ctx.report(catalog.PYTHON_MODULE_NOT_FOUND, span, owner=owner, module=module, file=file, base_dir=ctx.base_dir)


def module_exists(name: str, base_dir: Path) -> bool:
    """Whether ``name`` can be imported with ``base_dir`` first on the path, without importing anything."""
    parts = name.split(".")
    local = base_dir.joinpath(*parts)
    if local.with_suffix(".py").is_file() or (local / "__init__.py").is_file():
        return True
    search: list[str] | None = [str(base_dir), *sys.path]
    spec = None
    for i, part in enumerate(parts):
        if i == 0:
            spec = importlib.machinery.PathFinder.find_spec(part, search) or _top_level_spec(part)
        else:
            spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), search)
        if spec is None:
            return False
        locations = spec.submodule_search_locations
        search = list(locations) if locations is not None else None
        if search is None and i < len(parts) - 1:
            return True  # a plain module may still set submodules when imported (os.path): not provably missing
    return True


def _top_level_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """Built-in and frozen modules, which no path finder sees; a top-level find imports nothing."""
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
