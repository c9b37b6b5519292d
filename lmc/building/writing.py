"""Writing a build's result: the package with ``build.json`` and ``report.html`` beside it, and the lock
(``building/lock.py``) beside the source, in one swap; and what a failed write tells the user."""

from __future__ import annotations

import errno
import json
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from ..codegen import BuildInfo, write_package
from ..codegen.files import WriteError, write_file
from ..host.session import Session
from .lock import Lock, ScoreRow
from .report import REPORT_NAME, render_report


def build_json(build_info: BuildInfo, rows: Sequence[ScoreRow]) -> bytes:
    """``build.json``: a machine-readable summary next to the package (no timings: builds stay byte-identical)."""
    report = {
        "source": build_info.source_name,
        "source_sha256": build_info.source_sha256,
        "lm": build_info.lm,
        "optimizer": build_info.optimizer,
        "seed": build_info.seed,
        "lm_calls": build_info.lm_calls,
        "scores": [{"label": r.label, "baseline": r.baseline, "optimized": r.optimized} for r in rows],
    }
    return (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def emit(out: Path, files: Mapping[PurePosixPath, bytes], lock: Lock, lock_path: Path | None = None) -> None:
    """Write the package with ``build.json`` and ``report.html`` beside it (both from the lock), and the lock
    to ``lock_path`` (when given), in one swap: an interruption or a failed write (a full disk:
    ``codegen.files.WriteError``) leaves the old folder and lock or the new ones, never a package without
    its records or a lock without its package, and no temporary file."""
    records = {
        PurePosixPath("build.json"): build_json(lock.build, lock.scores),
        PurePosixPath(REPORT_NAME): render_report(lock).encode("utf-8"),
    }
    beside = (Path(lock_path), lock.to_text().encode("utf-8")) if lock_path is not None else None
    write_package({**files, **records}, out, beside=beside)


def not_written(error: WriteError, written: Sequence[Path], session: Session, from_lock: bool) -> str:
    """What a failed ``emit`` or ``write_lock`` tells the user: what could not be written and why, that
    ``written`` (the package folder, the lock) are as they were, what to do, and, when it is so, that the LM
    answers the build used are in the LM cache, so that building again does not ask for them again."""
    kept = " and ".join(str(p) for p in written)
    code = error.error.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        remedy = "free some space and build again"
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM):
        remedy = "make it writable or write elsewhere (-o, --lock), and build again"
    else:
        remedy = "check the disk and build again"
    message = f"{error}; nothing was replaced ({kept} {'is' if len(written) == 1 else 'are'} as before); {remedy}"
    if from_lock:  # no LM was called
        return message
    lms = {name: session.lm(name) for name in session.lm_names()}
    uncached = sorted(name for name, lm in lms.items() if lm.cache is None)
    if uncached:
        names, them = ", ".join(f"`{name}`" for name in uncached), "it" if len(uncached) == 1 else "them"
        return f"{message} (lm {names} had no LM cache: the next build calls {them} again)"
    # Every answer was written to the cache when it came (a failed cache write stops the build), so all are there.
    where = ", ".join(sorted({str(lm.cache.directory) for lm in lms.values() if lm.cache is not None}))
    return (
        f"{message}: the LM answers this build used are in the LM cache ({where}), "
        "so the next build takes them from there instead of calling the LM"
    )


def write_lock(path: Path, lock: Lock) -> None:
    """Write the lock alone (a build with no package folder), replacing the file in one step (a reader
    never sees half of it); ``codegen.files.WriteError`` when it cannot be written, the old lock then intact."""
    write_file(path, lock.to_text().encode("utf-8"))
