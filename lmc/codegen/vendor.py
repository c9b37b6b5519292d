"""The runtime files a package ships: the modules its code imports, and what those import in turn.

The generated ``.py`` files name their runtime modules (``from ._runtime.program
import Program``); each runtime module names others. Following every import
statement (at module level, inside functions, under ``if TYPE_CHECKING:``)
from the generated files gives the modules a package can load, and that a type
checker reads. Module kinds are the exception: a kind's class is imported by
name when a module of that kind first runs (``modules.KINDS``), so the kinds a
program declares are entries (``kind_modules``), as are the prompt formats
its modules use that are imported by name (``adapter_modules``), and a kind's file that the
runtime names only for the type checker is not shipped for that alone: the
package's type-checker configuration names it as absent (``Vendored.absent``).
A runtime module may also name a sibling file to run (``sandbox.py`` runs
``sandbox_boot.py``), which a string constant equal to that file's name shows.
Each vendored file is copied byte for byte.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from .. import runtime
from ..records import record
from ..resources import runtime_dir
from ..runtime.adapters import ADAPTER_MODULES
from ..runtime.modules import KINDS
from .import_scan import RuntimeScans, Scan, scan

__all__ = ["UNTYPED_IMPORTS", "Vendored", "adapter_modules", "kind_modules", "vendor_runtime"]

RUNTIME = "_runtime"
# Third-party modules the runtime imports that a type checker may find without types: bm25s has
# none (lmc's own mypy configuration takes it, litellm and llama_cpp with `ignore_missing_imports`),
# and llama_cpp and numpy come only with a package's `local` extra. A package's configuration says the same.
UNTYPED_IMPORTS = ("bm25s", "litellm", "llama_cpp", "numpy")


@record
class Vendored:
    """The runtime files a package ships, and what its type checker must be told about them."""

    files: dict[PurePosixPath, bytes]  # by path relative to ``_runtime/``, sorted
    untyped_imports: tuple[str, ...]  # those of UNTYPED_IMPORTS that the files import
    absent: tuple[str, ...]  # runtime modules the files name for the type checker only, not shipped (dotted, sorted)


def kind_modules(kinds: Iterable[str]) -> tuple[str, ...]:
    """The runtime modules (``kinds.pot``) that define these module kinds, sorted; none for unknown kinds."""
    prefix = runtime.__name__ + "."
    found = {KINDS.module_of(kind) for kind in kinds} - {None}  # named, not imported: vendoring runs no kind
    return tuple(sorted(m.removeprefix(prefix) for m in found if m is not None))


def adapter_modules(names: Iterable[str]) -> tuple[str, ...]:
    """The runtime modules (``adapters.xml_adapter``) of the prompt formats imported by name, for these
    adapter names (a module's ``adapter:``, a learned ``Params.adapter``), sorted."""
    return tuple(sorted({f"adapters.{ADAPTER_MODULES[n][0]}" for n in names if n in ADAPTER_MODULES}))


def vendor_runtime(package: str, generated: Mapping[str, str], kinds: Iterable[str] = ()) -> Vendored:
    """The runtime files the package ``package`` needs.

    ``generated`` maps each generated Python file's path (``pkg/programs.py``)
    to its source; ``kinds`` names runtime modules used by name (``kind_modules``).
    """
    shipped = f"{package}.{RUNTIME}"
    sources = _runtime_sources()
    by_name = {f"{shipped}.{m}" for m in (*kind_modules(KINDS), *adapter_modules(ADAPTER_MODULES))}
    graph = _Graph({**_generated_modules(generated), **{shipped + m: s for m, s in sources.items()}}, by_name)
    scans = RuntimeScans()  # the runtime's files, scanned once per lmc version on this machine
    for module, source in sources.items():
        graph.scans[shipped + module] = scans.get(source.data, str(source.path))
    starts = [m for m in graph.sources if not _is_within(m, shipped)]
    reached = graph.closure([*starts, *(f"{shipped}.{m}" for m in kinds)])
    files = {}
    imported: set[str] = set()
    named: set[str] = set()
    for module in reached:
        if _is_within(module, shipped):
            source = sources[module.removeprefix(shipped)]
            files[source.path] = source.data
            imported |= graph.absolute_imports(module)
            named |= {target for target, _ in graph.imports(module)}
    untyped = tuple(name for name in UNTYPED_IMPORTS if name in imported)
    scans.save()
    return Vendored(dict(sorted(files.items())), untyped, tuple(sorted(named - reached)))


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@record
class _Source:
    path: PurePosixPath  # relative to the folder of its top package
    data: bytes
    is_package: bool  # an __init__.py


def _runtime_sources() -> dict[str, _Source]:
    """Every ``.py`` of ``lmc/runtime`` by module name relative to it: ``""``, ``".package"``, ``".lm.client"``."""
    root = runtime_dir()
    found = {}
    for path in sorted(root.rglob("*.py")):
        rel = PurePosixPath(*path.relative_to(root).parts)
        if "__pycache__" in rel.parts:
            continue
        name, is_package = _module_name(rel)
        found["".join(f".{p}" for p in name)] = _Source(rel, path.read_bytes(), is_package)
    return found


def _generated_modules(generated: Mapping[str, str]) -> dict[str, _Source]:
    found = {}
    for name, text in generated.items():
        path = PurePosixPath(name)
        if path.suffix != ".py":
            continue
        parts, is_package = _module_name(path)
        found[".".join(parts)] = _Source(path, text.encode("utf-8"), is_package)
    return found


def _module_name(path: PurePosixPath) -> tuple[tuple[str, ...], bool]:
    """``a/b.py`` -> (``("a", "b")``, False); ``a/__init__.py`` -> (``("a",)``, True)."""
    parts = path.with_suffix("").parts
    is_package = parts[-1] == "__init__"
    return (parts[:-1] if is_package else parts), is_package


class _Graph:
    """Modules by dotted name, and the imports between them (the modules the AST names).

    ``by_name`` holds the modules imported by name at run time (module kinds): an
    import of one that only the type checker reads is not followed.
    """

    def __init__(self, sources: dict[str, _Source], by_name: set[str]) -> None:
        self.sources = sources
        self.by_name = by_name
        self.scans: dict[str, Scan] = {}  # by module, given or made when first needed

    def _facts(self, module: str) -> tuple[frozenset[tuple[str, bool]], frozenset[str]]:
        source = self.sources[module]
        found = self.scans.get(module)
        if found is None:
            found = self.scans[module] = scan(source.data, str(source.path))
        return _facts(module, source.is_package, found)

    def closure(self, starts: Iterable[str]) -> set[str]:
        """``starts``, every module they import, transitively, and every package above each."""
        reached: set[str] = set()
        stack = [m for m in starts if m in self.sources]
        while stack:
            module = stack.pop()
            if module in reached:
                continue
            reached.add(module)
            stack.extend(self._parents(module))
            stack.extend(t for t, typing_only in self.imports(module) if not (typing_only and t in self.by_name))
        return reached

    def imports(self, module: str) -> set[tuple[str, bool]]:
        """The known modules ``module`` names, each with whether only the type checker reads the import."""
        named, _ = self._facts(module)
        return {(name, typing_only) for name, typing_only in named if name in self.sources}

    def absolute_imports(self, module: str) -> set[str]:
        """The top-level packages ``module`` imports by absolute name (``litellm`` for ``import litellm.types``)."""
        return set(self._facts(module)[1])

    def _parents(self, module: str) -> set[str]:
        parts = module.split(".")
        return {".".join(parts[:i]) for i in range(1, len(parts))} & self.sources.keys()


@functools.lru_cache(maxsize=2048)
def _facts(module: str, is_package: bool, found: Scan) -> tuple[frozenset[tuple[str, bool]], frozenset[str]]:
    """What one module's source names: the modules its relative imports and sibling file names reach (each
    with whether only the type checker reads it), and the top-level packages it imports by absolute name."""
    package = module if is_package else module.rpartition(".")[0]
    named: set[tuple[str, bool]] = set()
    for level, name, names, typing_only in found.relative:
        base = _resolve(package, level, name)
        for target in (base, *(f"{base}.{n}" for n in names)):
            named.add((target, typing_only))
    named.update((_sibling(package, text), False) for text in found.constants)
    return frozenset(named), frozenset(found.absolute)


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
