"""Python references (``python "module:function"``): well-formed, found, parsed, defined.

Nothing of the user's code runs here (importing it would run it): a module
beside the ``.lmp`` file is read and parsed with ``ast``. Its syntax errors
(E516), a function it does not define at its top level (E517) and a module
it imports that cannot be found (E518) are errors at the reference. Tools,
``python`` retrievers and rewards ship in the package, copied from beside the
``.lmp`` file, so their module must be a file there (E515). A metric runs
only where lmc runs: an installed or standard-library module is fine, found
without importing it (its functions cannot be seen then). A module found
nowhere is E507.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import re
import sys
from pathlib import Path

from ..diagnostics import catalog
from ..diagnostics.core import Span, did_you_mean
from ..ir import nodes as ir
from ..records import record
from .context import CheckContext

_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_REF = re.compile(rf"({_DOTTED}):({_DOTTED})\Z")


@record
class _Use:
    ref: str
    span: Span
    owner: str  # "tool `search`"
    shipped: bool  # copied into the package: the module must be a file beside the .lmp file


def check(ctx: CheckContext) -> None:
    rewards = _reward_metrics(ctx.source_file)
    modules: dict[Path, _Module | None] = {}
    for use in _uses(ctx.source_file, rewards):
        _check_use(ctx, use, modules)


def _uses(source: ir.SourceFile, rewards: set[str]) -> list[_Use]:
    uses = []
    for decl in source.decls:
        if isinstance(decl, ir.ToolDecl):
            uses.append(_Use(decl.impl.ref, decl.impl.span, f"tool `{decl.name.name}`", True))
        elif isinstance(decl, ir.MetricDecl) and isinstance(decl.expr, ir.PythonRef):
            name = decl.name.name
            uses.append(_Use(decl.expr.ref, decl.expr.span, f"metric `{name}`", name in rewards))
        elif isinstance(decl, ir.RetrieverDecl) and decl.kind.name == "python":
            uses.append(_Use(decl.source, decl.source_span or decl.span, f"retriever `{decl.name.name}`", True))
    return uses


def _reward_metrics(source: ir.SourceFile) -> set[str]:
    """The metrics modules name as their ``reward``: the package carries them."""
    named = set()
    for program in source.of(ir.ProgramDecl):
        for module in program.modules:
            reward = module.options.get("reward")
            if isinstance(reward, ir.NameValue):
                named.add(reward.name.name)
    return named


def _check_use(ctx: CheckContext, use: _Use, modules: dict[Path, _Module | None]) -> None:
    match = _REF.match(use.ref)
    if match is None:
        module, _, function = use.ref.rpartition(".")
        help = catalog.COLON_NOT_DOT if ":" not in use.ref and "." in use.ref else None
        ctx.report(
            catalog.BAD_PYTHON_REFERENCE,
            use.span,
            help=help,
            owner=use.owner,
            ref=use.ref,
            module=module,
            function=function,
        )
        return
    module, function = match.group(1), match.group(2)
    file = local_file(module, ctx.base_dir)
    shown = module.replace(".", "/") + ".py"
    if file is None:
        nearest = did_you_mean(module, local_modules(ctx.base_dir))
        if use.shipped:
            ctx.report(
                catalog.PYTHON_MODULE_NOT_LOCAL, use.span, help=nearest, owner=use.owner, module=module, file=shown
            )
        elif not module_exists(module, ctx.base_dir):
            ctx.report(
                catalog.PYTHON_MODULE_NOT_FOUND,
                use.span,
                help=nearest,
                owner=use.owner,
                module=module,
                file=shown,
                base_dir=ctx.base_dir,
            )
        return
    if file not in modules:
        modules[file] = _read_module(ctx, use, file)
    found = modules[file]
    if found is not None:
        _check_function(ctx, use, found, function)


@record
class _Module:
    name: str  # as the .lmp file shows it: "tools.py"
    callables: frozenset[str]  # top-level defs, classes, imports and assignments of a call
    values: frozenset[str]  # top-level names bound to a literal (not callable)


def _read_module(ctx: CheckContext, use: _Use, file: Path) -> _Module | None:
    """The module's top-level names, after reporting a syntax error or a missing import (None: unreadable)."""
    name = file.relative_to(ctx.base_dir).as_posix()
    try:
        tree = ast.parse(file.read_bytes(), filename=name)
    except SyntaxError as exc:
        line = exc.lineno or 1
        ctx.report(catalog.PYTHON_SYNTAX_ERROR, use.span, owner=use.owner, file=name, line=line, error=exc.msg)
        return None
    except (OSError, ValueError) as exc:  # unreadable, or NUL bytes
        ctx.report(catalog.PYTHON_SYNTAX_ERROR, use.span, owner=use.owner, file=name, line=1, error=str(exc))
        return None
    callables: set[str] = set()
    values: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            callables.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            callables.update((alias.asname or alias.name).partition(".")[0] for alias in stmt.names)
            _check_imports(ctx, use, name, stmt)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            literal = isinstance(stmt.value, (ast.Constant, ast.List, ast.Dict, ast.Set, ast.Tuple, ast.JoinedStr))
            for target in targets:
                if isinstance(target, ast.Name):
                    (values if literal else callables).add(target.id)
    return _Module(name, frozenset(callables), frozenset(values - callables))


def _check_imports(ctx: CheckContext, use: _Use, name: str, stmt: ast.Import | ast.ImportFrom) -> None:
    """A top-level import of a module found nowhere fails when the module is imported: say so now."""
    if isinstance(stmt, ast.ImportFrom):
        if stmt.level or stmt.module is None:
            return  # relative: within the user's own package
        imported = [stmt.module]
    else:
        imported = [alias.name for alias in stmt.names]
    for module in imported:
        if not module_exists(module, ctx.base_dir):
            ctx.report(
                catalog.PYTHON_IMPORT_MISSING,
                use.span,
                owner=use.owner,
                file=name,
                line=stmt.lineno,
                module=module,
            )


def _check_function(ctx: CheckContext, use: _Use, module: _Module, function: str) -> None:
    top = function.partition(".")[0]  # "Class.method": the class must be there
    if top in module.callables:
        return
    if top in module.values:
        ctx.report(catalog.PYTHON_NOT_A_FUNCTION, use.span, owner=use.owner, file=module.name, function=top)
        return
    help = did_you_mean(top, sorted(module.callables))
    ctx.report(catalog.PYTHON_FUNCTION_NOT_FOUND, use.span, help=help, owner=use.owner, file=module.name, function=top)


def local_file(module: str, base_dir: Path) -> Path | None:
    """The file ``module`` names beside the ``.lmp`` file (``a.b``: ``a/b.py`` or ``a/b/__init__.py``)."""
    rel = Path(*module.split("."))
    for candidate in (base_dir / rel.with_suffix(".py"), base_dir / rel / "__init__.py"):
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # a name too long for the file system: no such file
            continue
    return None


def local_modules(base_dir: Path) -> list[str]:
    """The modules beside the ``.lmp`` file (for a did-you-mean)."""
    try:
        return sorted(p.stem for p in base_dir.glob("*.py"))
    except OSError:
        return []


def module_exists(name: str, base_dir: Path) -> bool:
    """Whether ``name`` can be imported with ``base_dir`` first on the path, without importing anything."""
    if local_file(name, base_dir) is not None:
        return True
    parts = name.split(".")
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
