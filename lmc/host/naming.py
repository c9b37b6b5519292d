"""The name of the emitted package: from the file (``sentiment.lmp`` -> ``sentiment``) or chosen.

A name must import as the user means it: a Python identifier, not a keyword,
and not the name of a module the package's users already import (the
standard library, or the package's own dependencies), which it would shadow
for every program that installs it. ``problem`` says why a name is refused
(diagnostic E010); ``internal_name`` gives any file a name for in-process
runs, where the package is imported under a private alias and shadows nothing.
"""

from __future__ import annotations

import builtins
import keyword
import re
import sys
from pathlib import Path

from ..diagnostics import catalog
from ..diagnostics.core import Diagnostic, Span

# What an emitted package imports at run time: its name must not hide them.
DEPENDENCIES = frozenset({"pydantic", "pydantic_core", "litellm", "openai", "httpx", "llama_cpp", "lmc"})
_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))  # what codegen refuses too


def from_file(path: str) -> str:
    """The name a file gives its package: the stem, lowercased, ``-`` and spaces read as ``_``."""
    return re.sub(r"[-\s]+", "_", Path(path).stem).lower()


def problem(name: str) -> str | None:
    """Why ``name`` cannot name a package (None: it can)."""
    if not name.isidentifier() or not name.isascii():
        return "which is not a Python identifier (letters, digits and `_`, not starting with a digit)"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return "which is a Python keyword"
    if name.startswith("_"):
        return "which starts with `_`, the mark of a private name"
    if name in _BUILTINS:
        return f"which would shadow Python's built-in `{name}` for the package's own code"
    if name in sys.stdlib_module_names:
        return f"which would shadow `{name}` of Python's standard library wherever the package is installed"
    if name in DEPENDENCIES:
        return f"which would shadow `{name}`, a module the package itself imports"
    return None


def check_name(path: str, name: str | None) -> tuple[str, Diagnostic | None]:
    """The package's name (``name``, else the file's) and the diagnostic refusing it, if any."""
    chosen = name if name is not None else from_file(path)
    reason = problem(chosen)
    if reason is None:
        return chosen, None
    origin = "" if name is not None else f" (from the file name {Path(path).name})"
    suggestion = internal_name(chosen)
    if problem(suggestion) is not None or suggestion == chosen:
        suggestion = f"{suggestion}_app" if suggestion.isidentifier() else "my_app"
    return chosen, catalog.PACKAGE_NAME.at(
        Span(path, 1, 1, 1, 1), name=chosen, origin=origin, reason=reason, suggestion=suggestion
    )


def internal_name(path_or_name: str) -> str:
    """A valid, lowercase identifier for any file: for runs in this process, never emitted as is."""
    stem = re.sub(r"\W+", "_", Path(path_or_name).stem).strip("_").lower() or "program"
    return stem if not stem[0].isdigit() else f"p_{stem}"
