"""Import a rendered package in-process, with its ``_runtime`` bound to ``lmc.runtime``.

lmc optimizes, runs and evaluates the very code it ships: the package from
``codegen.render_package`` is written to a private temporary folder and
imported under a unique private name (``_lmc_pkg3_sentiment``), so loading
the same package twice, or two packages with one name, never collides. Its
``_runtime`` subpackage resolves to ``lmc.runtime`` itself (the vendored copy
is byte-identical), so the generated code and lmc's optimizers share one set
of runtime classes: one ``Params``, one trace context variable.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import shutil
import sys
import tempfile
import threading
import traceback
import types
import weakref
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from .pyref import PyRefError

RUNTIME = "lmc.runtime"

_counter = itertools.count(1)
_lock = threading.Lock()


class _RuntimeAliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``<alias>._runtime[.sub]`` to ``lmc.runtime[.sub]`` for every loaded package.

    Submodules bind lazily, at the generated code's first import of them, so
    a runtime module nobody uses (the local model's provider) never loads.
    """

    def __init__(self) -> None:
        self.aliases: set[str] = set()

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        head, sep, rest = fullname.partition("._runtime")
        if head in self.aliases and (not rest or rest.startswith(".")):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        _, _, rest = spec.name.partition("._runtime")
        return importlib.import_module(RUNTIME + rest)

    def exec_module(self, module: types.ModuleType) -> None:
        """The module is lmc's own, already executed."""


_finder = _RuntimeAliases()


def _users_module(exc: Exception, ext: Path) -> str | None:
    """The user's module (``tools.py``) that failed while the package loaded, if the failure is in one.

    It is when the error was raised in a file under ``_ext/`` (an import error, a
    syntax error), or is a missing attribute of such a module (a function the
    file does not define); None for any other failure (a bug in lmc).
    """
    files = [Path(frame.f_code.co_filename) for frame, _ in traceback.walk_tb(exc.__traceback__)]
    if isinstance(exc, SyntaxError) and exc.filename:
        files.append(Path(exc.filename))
    if isinstance(exc, AttributeError):
        files.append(Path(getattr(exc.obj, "__file__", None) or "."))
    for file in reversed(files):
        if file.is_relative_to(ext):
            return file.relative_to(ext).as_posix()
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_package(files: Mapping[PurePosixPath, bytes], *, package: str) -> types.ModuleType:
    """Write ``files`` (paths relative to ``DIR/<package>/``) to a temp folder and import the package.

    Returns the package module with its ``programs`` and ``params`` imported
    (attributes of it), which the package's own import leaves for the first
    call. Safe to call any number of times in one process;
    ``unload_package`` removes it again (else the folder goes when the
    process exits).
    """
    root = Path(tempfile.mkdtemp(prefix=f"lmc-{package}-"))
    for rel, data in files.items():
        target = root.joinpath(*PurePosixPath(rel).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    package_dir = root / package
    init = package_dir / "__init__.py"
    if not init.is_file():
        shutil.rmtree(root, ignore_errors=True)
        raise ValueError(f"the rendered files have no {package}/__init__.py")

    with _lock:
        alias = f"_lmc_pkg{next(_counter)}_{package}"
        _finder.aliases.add(alias)
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
    spec = importlib.util.spec_from_file_location(alias, init, submodule_search_locations=[str(package_dir)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    try:
        spec.loader.exec_module(module)
        # A package's import leaves its programs for their first call; lmc runs them at once, and
        # reports a user's module that fails to load (a tool's file) as the package's loading error.
        for submodule in ("programs", "params"):
            importlib.import_module(f"{alias}.{submodule}")
    except BaseException as exc:
        _forget(alias, root)
        blamed = _users_module(exc, package_dir / "_ext") if isinstance(exc, Exception) else None
        if blamed is not None:
            raise PyRefError(f"cannot load {blamed}: {type(exc).__name__}: {_first_line(exc)}") from exc
        raise
    module.__dict__["__lmc_root__"] = root
    weakref.finalize(module, shutil.rmtree, root, ignore_errors=True)
    return module


def unload_package(module: types.ModuleType) -> None:
    """Undo ``load_package``: its modules leave ``sys.modules``, its folder is removed, and the
    import hook goes once no loaded package needs it, so a host process is left as it was."""
    root = module.__dict__.get("__lmc_root__")
    if isinstance(root, Path):
        _forget(module.__name__, root)


def _forget(alias: str, root: Path) -> None:
    for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
        del sys.modules[name]
    with _lock:
        _finder.aliases.discard(alias)
        if not _finder.aliases and _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
    shutil.rmtree(root, ignore_errors=True)
