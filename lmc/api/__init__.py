"""lmc's Python API: check, compile, run and build ``.lmp`` programs from Python (``docs/api.md``).

Everything the ``lmc`` command does, as functions that return values: they
never print, never exit, never read ``sys.argv``, and write files only where
asked (``out``, ``lock``, ``cache_dir``).
"""

from __future__ import annotations

from .building import BuildResult, ScoreRow, Usage, build
from .diagnostics import BuildError, CompileError, Diagnostic
from .project import Program, Project, check, compile

__all__ = [
    "BuildError",
    "BuildResult",
    "CompileError",
    "Diagnostic",
    "Program",
    "Project",
    "ScoreRow",
    "Usage",
    "build",
    "check",
    "compile",
]
