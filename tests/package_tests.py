"""Run an emitted package's own tests (its prompt-parity test) as a user of the package would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def run_package_tests(
    root: Path, name: str, *, timeout: float = 300, args: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """pytest on ``root/name/tests`` (with pytest's further ``args``) in a fresh interpreter started in ``root``.

    The environment holds only ``PYTHONPATH=root`` and no bytecode writing:
    nothing of the test run's own settings (cache folder, keys, paths)
    reaches the package's tests, and a package copied and edited within the
    same second (same size, same mtime) is never read from stale bytecode.
    """
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(Path(name) / "tests")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "", "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
    )
