"""Where a program's relative paths point: its own folder, or a private one holding the files a caller gives.

``source`` is ``.lmp`` text (a ``str``) or a path. Without ``files`` or
``datasets`` the program reads its data and Python modules from its folder
(a text source: from ``path``'s folder, else the current one). With them it
sees only what they give, written to a private temporary folder that lives
as long as the ``Workspace`` (a ``Project`` keeps it; ``close()`` or garbage
collection removes it): ``files`` maps relative names to text or bytes, and
``datasets`` maps a dataset's name to its rows, written where the file
declares it, in the format its extension names.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from ..host.frontend import Loaded, load_bytes, read_regular
from ..ir import nodes as ir

Source = str | os.PathLike[str]
Files = Mapping[str, str | bytes]
Rows = Mapping[str, Sequence[Mapping[str, Any]]]

TEXT_PATH = "<string>"  # how diagnostics name a source given as text without a path


class Workspace:
    """A loaded (parsed and checked) program and the folder its relative paths point into."""

    def __init__(self, loaded: Loaded, private: Path | None) -> None:
        self.loaded = loaded
        self._private = private
        self._finalizer = weakref.finalize(self, shutil.rmtree, private, True) if private else None

    def close(self) -> None:
        """Remove the private folder, if there is one (nothing happens on a second call)."""
        if self._finalizer is not None:
            self._finalizer()


def load(source: Source, *, path: str | None, files: Files | None, datasets: Rows | None) -> Workspace:
    """Read, parse and check ``source``; never raises for a problem in the program itself.

    Raises ``TypeError``/``ValueError`` for arguments that cannot be used (a
    file name outside the folder, rows for a dataset the program does not declare).
    """
    if isinstance(source, str):
        raw, shown, folder = source.encode("utf-8"), path or TEXT_PATH, _text_folder(path)
    elif isinstance(source, os.PathLike):
        file = Path(source)
        shown, folder = path or str(file), file.resolve().parent
        try:
            raw = read_regular(file)
        except OSError as exc:
            return _unreadable(shown, exc)
    else:
        raise TypeError(f"source must be .lmp text (str) or a path, not {type(source).__name__}")
    private = None
    if files or datasets:
        import tempfile  # only for files given in memory: not at every check's start

        private = Path(tempfile.mkdtemp(prefix="lmc-files-"))
        folder = private
        try:
            _write_files(private, files or {})
        except BaseException:
            shutil.rmtree(private, ignore_errors=True)
            raise
    prepare = (lambda parsed: _write_datasets(folder, parsed, datasets)) if datasets else None
    try:
        loaded = load_bytes(raw, shown, folder, prepare)
    except BaseException:
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)
        raise
    return Workspace(loaded, private)


def _text_folder(path: str | None) -> Path:
    return Path(path).resolve().parent if path else Path.cwd()


def _unreadable(shown: str, exc: OSError) -> Workspace:
    from ..diagnostics import catalog
    from ..diagnostics.core import Span

    reason = exc.strerror or type(exc).__name__
    diag = catalog.CANNOT_READ.at(Span(shown, 1, 1, 1, 1), path=shown, reason=reason)
    return Workspace(Loaded(shown, None, None, (diag,)), None)


def _target(folder: Path, name: str) -> Path:
    rel = PurePosixPath(name)
    if rel.is_absolute() or not rel.parts or ".." in rel.parts:
        raise ValueError(f"files: {name!r} is not a relative name inside the program's folder")
    return folder.joinpath(*rel.parts)


def _write_files(folder: Path, files: Files) -> None:
    for name, content in files.items():
        target = _target(folder, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            raise TypeError(f"files[{name!r}] must be str or bytes, not {type(content).__name__}")


def _write_datasets(folder: Path, source: ir.SourceFile, datasets: Rows) -> None:
    declared = {d.name.name: d for d in source.of(ir.DatasetDecl)}
    unknown = sorted(set(datasets) - set(declared))
    if unknown:
        names = ", ".join(sorted(declared)) or "none"
        raise ValueError(f"datasets: the program declares no dataset {', '.join(unknown)} (its datasets: {names})")
    for name, rows in datasets.items():
        target = _target(folder, declared[name].path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_serialize(target.suffix.lower(), [dict(r) for r in rows]), encoding="utf-8")


def _serialize(suffix: str, rows: list[dict[str, Any]]) -> str:
    """Rows in the format the dataset's file name says (``.jsonl`` when it names none the loader reads)."""
    if suffix == ".json":
        return json.dumps(rows, ensure_ascii=False)
    if suffix == ".csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for r in rows for k in r)), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
