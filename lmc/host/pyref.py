"""Import a user's ``python "module:function"`` reference from the file's folder."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


class PyRefError(Exception):
    pass


def load_ref(ref: str, base_dir: Path) -> Callable[..., Any]:
    """Import ``module:function`` with ``base_dir`` first on ``sys.path``."""
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise PyRefError(f'`{ref}` is not of the form "module:function"')
    base = str(base_dir)
    added = base not in sys.path
    if added:
        sys.path.insert(0, base)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - user code may raise anything at import
        raise PyRefError(f"cannot import `{module_name}` (from {base_dir}): {type(exc).__name__}: {exc}") from exc
    finally:
        if added:
            sys.path.remove(base)
    fn: object = getattr(module, attr, None)
    if not callable(fn):
        raise PyRefError(f"`{module_name}` has no function `{attr}`")
    return fn
