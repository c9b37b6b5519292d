"""ruff-format generated Python, in memory.

Formatting runs with ``--isolated`` so the output never depends on a
``pyproject.toml`` near the current directory: the same input gives the
same bytes on every machine with the same ruff. ``python -m ruff`` (the ruff
that lmc depends on) is preferred; a ``ruff`` on ``PATH`` is the fallback.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import sys

from .errors import CodegenError

_TIMEOUT_S = 60


@functools.cache
def ruff_command() -> tuple[str, ...]:
    """The argv prefix that runs ruff."""
    if importlib.util.find_spec("ruff") is not None:
        return (sys.executable, "-m", "ruff")
    exe = shutil.which("ruff")
    if exe is None:
        raise CodegenError("ruff is not installed: lmc needs it to format generated code (pip install ruff)")
    return (exe,)


def format_python(source: str, filename: str) -> str:
    """``source`` formatted by ``ruff format``; ``filename`` only names it in errors."""
    argv = [*ruff_command(), "format", "--isolated", "--stdin-filename", filename, "-"]
    try:
        # Bytes, not text mode: text mode would translate any "\r" in the output.
        done = subprocess.run(argv, input=source.encode("utf-8"), capture_output=True, timeout=_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CodegenError(f"could not run ruff to format {filename}: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        raise CodegenError(f"ruff could not format the generated {filename} (a bug in lmc's codegen):\n{detail}")
    return done.stdout.decode("utf-8")
