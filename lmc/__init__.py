"""lmc: a compiler for language-model programs.

The Python API (``docs/api.md``)::

    import lmc

    diagnostics = lmc.check(source)           # never raises for a problem in the program
    project = lmc.compile(source)             # raises lmc.CompileError with .diagnostics
    result = project.programs["classify"](sentence="A fine film.", lm="openai/gpt-4o-mini")
    built = lmc.build(source, out="build")    # optimize, evaluate, emit: an lmc.BuildResult

The names load on first use, so ``import lmc`` stays as cheap as the ``lmc``
command needs it to be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .api import BuildError, BuildResult, CompileError, Diagnostic, Program, Project, build, check, compile

__all__ = [
    "BuildError",
    "BuildResult",
    "CompileError",
    "Diagnostic",
    "Program",
    "Project",
    "__version__",
    "build",
    "check",
    "compile",
]

_API = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'lmc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API)
