"""Run an emitted package's own tests (its prompt-parity test), and build its wheel, as a user of the package would."""

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


def wheel_files(project: Path, name: str, dist: Path) -> tuple[Path, set[str]]:
    """``pip wheel`` of the written package folder ``project`` into ``dist``: the wheel, and the names in it
    outside its ``.dist-info`` (the package's own files). Fails the test when the wheel does not build."""
    import zipfile

    import pytest

    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(project)]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=project.parent)
    if proc.returncode != 0:
        pytest.fail(f"the wheel did not build:\n{proc.stderr[-2000:]}")
    (wheel,) = dist.glob(f"{name}-*.whl")
    return wheel, {n for n in zipfile.ZipFile(wheel).namelist() if not n.startswith(f"{name}-")}
