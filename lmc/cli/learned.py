"""Which parameters ``lmc run``, ``eval`` and ``prompt`` use: the lock's learned ones, or the defaults.

By default the lock beside the source (``app.lmp`` -> ``app.lock``, what
``lmc build`` wrote) gives them, when it was written for this very source;
``--lock PATH`` names another lock, ``--unoptimized`` asks for the defaults.
Each command says on stderr which parameters it runs with, and why.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..building.lock import LockError, lock_path_for, read_lock
from ..records import record


class ParamsError(Exception):
    """A lock named with ``--lock`` that cannot be used (the message says why)."""


@record
class Chosen:
    lock: Path | None  # the lock whose learned parameters to run; None: the program's defaults
    note: str  # what the command prints about them


def choose_params(source: str, text: str, lock: str | None, unoptimized: bool) -> Chosen:
    """The parameters to run ``source`` (its ``text``) with; raises ``ParamsError`` for a bad ``--lock``."""
    if unoptimized:
        return Chosen(None, "running the unoptimized program (--unoptimized)")
    path = Path(lock) if lock else lock_path_for(source)
    name = Path(source).name
    if lock is None and not path.is_file():
        return Chosen(None, f"running the unoptimized program: no {path.name} beside {name} (lmc build writes it)")
    try:
        locked = read_lock(path)
    except LockError as exc:
        if lock is None:
            return Chosen(None, f"running the unoptimized program: {exc}")
        raise ParamsError(str(exc)) from exc
    if locked.inputs["source"]["sha256"] != hashlib.sha256(text.encode("utf-8")).hexdigest():
        why = f"{path} was written for another version of {name} (build again to use what it learns)"
        if lock is not None:
            raise ParamsError(why)
        return Chosen(None, f"running the unoptimized program: {why}")
    if not locked.params:
        return Chosen(None, f"running the unoptimized program: {path} holds no learned parameters")
    modules = ", ".join(sorted(locked.params))
    return Chosen(path, f"using the learned parameters of {path} ({modules})")
