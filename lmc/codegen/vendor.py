"""The runtime files a package ships: the modules its code imports, and what those import in turn.

The generated ``.py`` files name their runtime modules (``from ._runtime.program
import Program``); each runtime module names others. Following every import
statement (at module level, inside functions, under ``if TYPE_CHECKING:``)
from the generated files gives the modules a package can load, and that a type
checker reads. Two kinds of use are not import statements: a module kind's
class is imported by name when a module of that kind first runs
(``modules.KINDS``), so the kinds a program declares are entries too
(``kind_modules``); and a runtime module may name a sibling file to run
(``sandbox.py`` runs ``sandbox_boot.py``), which a string constant equal to that
file's name shows. Each vendored file is copied byte for byte.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import runtime
from ..resources import runtime_dir
from ..runtime.modules import KINDS

__all__ = ["UNTYPED_IMPORTS", "Vendored", "kind_modules", "vendor_runtime"]

RUNTIME = "_runtime"
# The third-party modules the runtime imports that lmc's own mypy configuration takes as
# untyped (`ignore_missing_imports` in its pyproject.toml): a package's configuration says the same.
UNTYPED_IMPORTS = ("bm25s", "litellm", "llama_cpp")


@dataclass(frozen=True, slots=True)
class Vendored:
    """The runtime files a package ships, and the untyped modules they import."""

    files: dict[PurePosixPath, bytes]  # by path relative to ``_runtime/``, sorted
    untyped_imports: tuple[str, ...]  # those of UNTYPED_IMPORTS that the files import


def kind_modules(kinds: Iterable[str]) -> tuple[str, ...]:
    """The runtime modules (``kinds.pot``) that define these module kinds, sorted; none for unknown kinds."""
    prefix = runtime.__name__ + "."
    found = set()
    for kind in kinds:
        cls = KINDS.get(kind)
        if cls is not None:
            found.add(cls.__module__.removeprefix(prefix))
    return tuple(sorted(found))


def vendor_runtime(package: str, generated: Mapping[str, str], kinds: Iterable[str] = ()) -> Vendored:
    """The runtime files the package ``package`` needs.

    ``generated`` maps each generated Python file's path (``pkg/programs.py``)
    to its source; ``kinds`` names runtime modules used by name (``kind_modules``).
    """
    shipped = f"{package}.{RUNTIME}"
    sources = _runtime_sources()
    graph = _Graph({**_generated_modules(generated), **{shipped + m: s for m, s in sources.items()}})
    starts = [m for m in graph.sources if m != shipped and not m.startswith(shipped + ".")]
    reached = graph.closure([*starts, *(f"{shipped}.{m}" for m in kinds)])
    files = {}
    imported: set[str] = set()
    for module in reached:
        if module == shipped or module.startswith(shipped + "."):
            source = sources[module.removeprefix(shipped)]
            files[source.path] = source.data
            imported |= graph.absolute_imports(module)
    untyped = tuple(name for name in UNTYPED_IMPORTS if name in imported)
    return Vendored(dict(sorted(files.items())), untyped)


@dataclass(frozen=True, slots=True)
class _Source:
    path: PurePosixPath  # relative to the folder of its top package
    data: bytes
    is_package: bool  # an __init__.py

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


def _runtime_sources() -> dict[str, _Source]:
    """Every ``.py`` of ``lmc/runtime`` by module name relative to it: ``""``, ``".package"``, ``".lm.client"``."""
    root = runtime_dir()
    found = {}
    for path in sorted(root.rglob("*.py")):
        rel = PurePosixPath(*path.relative_to(root).parts)
        if "__pycache__" in rel.parts:
            continue
        parts = rel.with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = "".join(f".{p}" for p in (parts[:-1] if is_package else parts))
        found[name] = _Source(rel, path.read_bytes(), is_package)
    return found


def _generated_modules(generated: Mapping[str, str]) -> dict[str, _Source]:
    found = {}
    for name, text in generated.items():
        path = PurePosixPath(name)
        if path.suffix != ".py":
            continue
        parts = path.with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        found[module] = _Source(path, text.encode("utf-8"), is_package)
    return found


class _Graph:
    """Modules by dotted name, and the imports between them (the modules the AST names)."""

    def __init__(self, sources: dict[str, _Source]) -> None:
        self.sources = sources
        self._trees = {name: ast.parse(source.data, str(source.path)) for name, source in sources.items()}

    def closure(self, starts: Iterable[str]) -> set[str]:
        """``starts``, every module they import, transitively, and every package above each."""
        reached: set[str] = set()
        stack = [m for m in starts if m in self.sources]
        while stack:
            module = stack.pop()
            if module in reached:
                continue
            reached.add(module)
            stack.extend(self._parents(module) | self._uses(module))
        return reached

    def absolute_imports(self, module: str) -> set[str]:
        """The top-level packages ``module`` imports by absolute name (``litellm`` for ``import litellm.types``)."""
        found: set[str] = set()
        for node in ast.walk(self._trees[module]):
            if isinstance(node, ast.Import):
                found.update(a.name.partition(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.partition(".")[0])
        return found

    def _parents(self, module: str) -> set[str]:
        parts = module.split(".")
        return {".".join(parts[:i]) for i in range(1, len(parts))} & self.sources.keys()

    def _uses(self, module: str) -> set[str]:
        source = self.sources[module]
        package = module if source.is_package else module.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(self._trees[module]):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = _resolve(package, node.level, node.module)
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(_sibling(package, node.value))
        return found & self.sources.keys()


def _resolve(package: str, level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import ...`` written in ``package``."""
    parts = package.split(".")
    base = parts[: len(parts) - level + 1]
    return ".".join([*base, *([module] if module else [])])


def _sibling(package: str, text: str) -> str:
    """The module a string names when it is a file name in ``package``'s folder (``"sandbox_boot.py"``)."""
    path = Path(text)
    if path.suffix != ".py" or path.name != text:
        return ""
    return f"{package}.{path.stem}"
