"""What a Python file's source names, read once: its import statements and the sibling files it names.

``vendor.py`` follows these to find the runtime modules a package ships.
Reading them means parsing and walking each file's syntax tree (~2 ms a
runtime file, ~95 ms for all of them), and the runtime's files change only
with lmc: ``RuntimeScans`` keeps each file's ``Scan`` in lmc's cache folder
(``resources.cache_folder``), by the file's digest, so a build reads the
runtime's files without parsing them. A missing, unreadable or corrupt
cache file costs a parse, nothing else; the file holds plain data
(``marshal``), so reading it runs no code.
"""

from __future__ import annotations

import ast
import hashlib
import marshal
import os
import sys
from collections.abc import Iterator
from typing import NamedTuple

from ..resources import cache_folder
from ..version import __version__

SCAN_FORMAT = 1  # bump when ``Scan`` or ``scan`` change
_SEEN: dict[bytes, Scan] = {}  # this process's scans by digest, whatever the cache folder


class Scan(NamedTuple):
    """One source's imports, as written (not yet resolved against its package)."""

    relative: tuple[tuple[int, str | None, tuple[str, ...], bool], ...]  # (level, module, names, typing only)
    constants: tuple[str, ...]  # string constants that are a ``.py`` file name (``"sandbox_boot.py"``)
    absolute: tuple[str, ...]  # top-level packages imported by absolute name, sorted


def scan(data: bytes, path: str) -> Scan:
    """The imports and ``.py`` file names of one source, from its syntax tree (every statement, any depth)."""
    tree = ast.parse(data, path)
    typing_only = {id(n) for block in _type_checking_blocks(tree) for stmt in block for n in ast.walk(stmt)}
    relative: list[tuple[int, str | None, tuple[str, ...], bool]] = []
    constants: set[str] = set()
    absolute: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            relative.append((node.level, node.module, tuple(a.name for a in node.names), id(node) in typing_only))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".py"):
            constants.add(node.value)
        elif isinstance(node, ast.Import):
            absolute.update(a.name.partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            absolute.add(node.module.partition(".")[0])
    return Scan(tuple(relative), tuple(sorted(constants)), tuple(sorted(absolute)))


def _type_checking_blocks(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    """The bodies of ``if TYPE_CHECKING:`` (never their ``else``), which only a type checker reads."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            yield node.body


class RuntimeScans:
    """``scan`` of the runtime's files, kept in lmc's cache folder between processes.

    ``get`` serves a file from the cache when its digest is there and scans
    it otherwise; ``save`` writes the cache file again (whole, through a
    rename) when ``get`` scanned anything. One instance serves one process.
    """

    def __init__(self) -> None:
        folder = cache_folder()
        key = f"{SCAN_FORMAT}\0{__version__}\0{sys.version_info[:2]}"
        name = f"runtime-imports-{hashlib.blake2b(key.encode(), digest_size=4).hexdigest()}"
        self._path = None if folder is None else folder / name
        self._scans: dict[bytes, Scan] = {}
        self._added = False
        if self._path is not None:
            try:
                loaded = marshal.loads(self._path.read_bytes())
                self._scans = {digest: Scan(*fields) for digest, fields in loaded.items()}
            except Exception:  # missing, unreadable, corrupt or of another shape: scan again
                self._scans = {}

    def get(self, data: bytes, path: str) -> Scan:
        digest = hashlib.blake2b(data, digest_size=16).digest()
        found = self._scans.get(digest)
        if found is None:
            found = _SEEN.get(digest) or scan(data, path)
            self._scans[digest] = found
            self._added = True
        _SEEN[digest] = found
        return found

    def save(self) -> None:
        if not self._added or self._path is None:
            return
        self._added = False
        data = marshal.dumps({digest: tuple(s) for digest, s in self._scans.items()})
        tmp = self._path.with_name(f"{self._path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, self._path)
        except OSError:  # an unwritable cache costs the next build the scan, nothing else
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
