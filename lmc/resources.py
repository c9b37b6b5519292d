"""Where the grammar and templates live: inside the wheel, or at the repo root."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``lmc/<name>`` in an installed wheel, ``<repo>/<name>`` in a checkout."""
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"lmc resource folder `{name}` is missing from the installation")


def runtime_dir() -> Path:
    return _HERE / "runtime"
