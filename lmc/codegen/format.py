"""ruff-format generated Python, in memory.

Formatting runs with ``--isolated`` so the output never depends on a
``pyproject.toml`` near the current directory: the same input gives the
same bytes on every machine with the same ruff. The ruff that lmc depends on
is preferred (its binary, found as ``python -m ruff`` finds it); a ``ruff``
on ``PATH`` is the fallback.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .errors import CodegenError

_TIMEOUT_S = 60


@functools.cache
def ruff_command() -> tuple[str, ...]:
    """The argv prefix that runs ruff: the binary of the ruff package lmc depends on, as ``python -m ruff``
    finds it (running it through an interpreter cost each render ~16 ms), else a ``ruff`` on ``PATH``."""
    if importlib.util.find_spec("ruff") is not None:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

        try:
            return (os.fsdecode(find_ruff_bin()),)
        except FileNotFoundError:
            return (sys.executable, "-m", "ruff")
    exe = shutil.which("ruff")
    if exe is None:
        raise CodegenError("ruff is not installed: lmc needs it to format generated code (pip install ruff)")
    return (exe,)


def format_many(sources: Mapping[str, str]) -> dict[str, str]:
    """Each source formatted by ``ruff format``, with one ruff process for all of them (a process per
    file cost a build about a second). Keys are relative file names; ruff formats each file alone, so the bytes are those of one file at a time."""
    if not sources:
        return {}
    with tempfile.TemporaryDirectory(prefix="lmc-format-") as folder:
        root = Path(folder)
        for name, text in sources.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        argv = [*ruff_command(), "format", "--isolated", "--no-cache", *sources]
        try:
            done = subprocess.run(argv, cwd=root, capture_output=True, timeout=_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CodegenError(f"could not run ruff to format the generated files: {exc}") from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
            raise CodegenError(f"ruff could not format the generated files (a bug in lmc's codegen):\n{detail}")
        return {name: (root / name).read_bytes().decode("utf-8") for name in sources}
