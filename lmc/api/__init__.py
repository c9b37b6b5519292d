"""lmc's Python API: check, compile, run and build ``.lmp`` programs from Python (``docs/api.md``).

Everything the ``lmc`` command does, as functions that return values: they
never print, never exit, never read ``sys.argv``, and write files only where
asked (``out``, ``lock``, ``cache_dir``). Each name loads its module on first
use, so ``lmc.check`` never imports the optimizers ``lmc.build`` needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .building import BuildResult, ScoreRow, Usage, build
    from .diagnostics import BuildError, CompileError, Diagnostic
    from .evaluation import Evaluation, Row
    from .project import Program, Project, check, compile

_WHERE = {
    "BuildResult": "building",
    "ScoreRow": "building",
    "Usage": "building",
    "build": "building",
    "BuildError": "diagnostics",
    "CompileError": "diagnostics",
    "Diagnostic": "diagnostics",
    "Evaluation": "evaluation",
    "Row": "evaluation",
    "Program": "project",
    "Project": "project",
    "check": "project",
    "compile": "project",
}

__all__ = [
    "BuildError",
    "BuildResult",
    "CompileError",
    "Diagnostic",
    "Evaluation",
    "Program",
    "Project",
    "Row",
    "ScoreRow",
    "Usage",
    "build",
    "check",
    "compile",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'lmc.api' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
