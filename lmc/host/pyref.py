"""Import a user's ``python "module:function"`` reference from the file's folder.

A module found in the ``.lmp`` file's folder is imported fresh from there on
every load: a module of the same name imported earlier (another project's
``metrics.py`` in the same notebook, or this one before an edit) is never
reused, and the folder is on ``sys.path`` only while the import runs. The
user's modules it imported are then taken out of ``sys.modules`` again, and
no ``__pycache__`` is written into the folder, so a host process and the
user's files are left as they were. A module that is not in the folder (the
standard library, an installed package) is imported as usual.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any


class PyRefError(Exception):
    pass


def load_ref(ref: str, base_dir: Path) -> Callable[..., Any]:
    """Import ``module:function`` with ``base_dir`` first on ``sys.path``."""
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise PyRefError(f'`{ref}` is not of the form "module:function"')
    try:
        module = import_from(module_name, base_dir)
    except Exception as exc:  # noqa: BLE001 - user code may raise anything at import
        raise PyRefError(f"cannot import `{module_name}` (from {base_dir}): {type(exc).__name__}: {exc}") from exc
    fn: object = getattr(module, attr, None)
    if not callable(fn):
        raise PyRefError(f"`{module_name}` has no function `{attr}`")
    return fn


def local_file(module_name: str, base_dir: Path) -> Path | None:
    """The file ``module_name`` names in ``base_dir`` (``a.b``: ``a/b.py`` or ``a/b/__init__.py``), if any."""
    rel = Path(*module_name.split("."))
    for candidate in (base_dir / rel.with_suffix(".py"), base_dir / rel / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def import_from(module_name: str, base_dir: Path) -> ModuleType:
    """``module_name`` imported from ``base_dir`` when it is there (fresh), else from the environment."""
    top = module_name.partition(".")[0]
    if local_file(top, base_dir) is None and not (base_dir / top).is_dir():
        return importlib.import_module(module_name)
    with _isolated(top, base_dir):
        return importlib.import_module(module_name)


@contextmanager
def _isolated(top: str, base_dir: Path) -> Iterator[None]:
    """Import with ``base_dir`` on the path and no earlier ``top`` package; leave ``sys`` as it was."""
    base = str(base_dir)
    shadowed = {name: sys.modules.pop(name) for name in list(sys.modules) if name == top or name.startswith(top + ".")}
    before = set(sys.modules)
    sys.path.insert(0, base)
    importlib.invalidate_caches()  # a file written since the last import must be seen
    bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        yield
    finally:
        sys.dont_write_bytecode = bytecode
        sys.path.remove(base)
        for name in set(sys.modules) - before:
            if _is_under(sys.modules[name], base_dir):
                del sys.modules[name]
        sys.modules.update(shadowed)


def _is_under(module: ModuleType | None, base_dir: Path) -> bool:
    file = getattr(module, "__file__", None)
    return isinstance(file, str) and Path(file).resolve().is_relative_to(base_dir.resolve())
