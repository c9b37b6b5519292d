"""Where the grammar and templates live (inside the wheel, or at the repo root), and where lmc keeps its caches."""

from __future__ import annotations

import os
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


# Where lmc keeps what it computes once for many runs (the parser's tables, compiled templates) when
# ``$LMC_CACHE_DIR`` is not set: the ``lmc`` command sets the user's cache folder
# (``use_default_cache``); a host of the Python API gets no file unless it asks.
_cache_root: Path | None = None


def use_default_cache() -> None:
    """Keep lmc's caches in the user's own cache folder (``$XDG_CACHE_HOME/lmc``, ``~/.cache/lmc``)."""
    global _cache_root
    try:
        xdg = os.environ.get("XDG_CACHE_HOME")
        _cache_root = (Path(xdg) if xdg else Path.home() / ".cache") / "lmc"
    except RuntimeError:  # no home folder
        _cache_root = None


def cache_folder() -> Path | None:
    """``$LMC_CACHE_DIR``, else the folder ``use_default_cache`` chose, made if missing; None: no cache."""
    explicit = os.environ.get("LMC_CACHE_DIR")
    folder = Path(explicit).expanduser() if explicit else _cache_root
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder
