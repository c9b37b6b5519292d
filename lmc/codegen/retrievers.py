"""Retrievers in the emitted package: where their files go, their code, and the bm25 index built now.

A ``bm25`` retriever is indexed at build time. The package ships the corpus
(``data/<file>``, the passages, byte for byte) and bm25s's saved index
(``data/<retriever>.bm25/``), so it answers offline and never indexes. The
index bytes are deterministic: bm25s's arrays as ``np.save`` writes them, and
its two JSON files rewritten with sorted keys (bm25s writes them with orjson
when that is installed, with ``json`` otherwise).

The corpus is read with the runtime's ``load_corpus`` and tokenized with its
``tokenize``: the very functions the shipped retriever uses on queries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from ..data.datasets import DataError
from ..ir import nodes as ir
from ..ir.values import options_dict
from ..records import record
from ..runtime.retrieve import CorpusError, load_corpus, tokenize
from .literals import py_literal

__all__ = ["DataFile", "bm25_index", "corpus_files", "index_dir", "index_files"]

DEFAULT_TEXT_FIELD = "text"
_JSON_FILES = frozenset({"vocab.index.json", "params.index.json"})


@record
class DataFile:
    source: Path
    dest: PurePosixPath  # relative to the package folder: data/<name>


def index_dir(retriever: str) -> PurePosixPath:
    """Where the index of one bm25 retriever goes, relative to the package folder."""
    return PurePosixPath("data", f"{retriever}.bm25")


def corpus_files(decls: Sequence[ir.RetrieverDecl], source_dir: Path) -> dict[str, DataFile]:
    """The corpus each bm25 retriever ships, by retriever name (two corpora with one file name both fit).

    Raises ``DataError`` for a corpus deleted since the check: the user's to fix.
    """
    files: dict[str, DataFile] = {}
    used: dict[str, Path] = {}
    for r in decls:
        if r.kind.name != "bm25":
            continue
        src = source_dir / r.source
        if not src.is_file():
            raise DataError(f"the corpus of retriever `{r.name.name}` is missing", src)
        name = src.name
        if name in used and used[name] != src.resolve():
            name = f"{r.name.name}-{src.name}"
        used.setdefault(name, src.resolve())
        files[r.name.name] = DataFile(src, PurePosixPath("data", name))
    return files


def bm25_code(decl: ir.RetrieverDecl, corpus: DataFile, kwargs: Sequence[str]) -> str:
    """``BM25Retriever(DATA_DIR / "wiki.bm25", DATA_DIR / "corpus.jsonl", k=3)`` for programs.py."""
    index = index_dir(decl.name.name).relative_to("data").as_posix()
    path = corpus.dest.relative_to("data").as_posix()
    args = [f"DATA_DIR / {py_literal(index)}", f"DATA_DIR / {py_literal(path)}", *kwargs]
    return f"BM25Retriever({', '.join(args)})"


def index_files(decls: Sequence[ir.RetrieverDecl], corpora: Mapping[str, DataFile]) -> dict[PurePosixPath, bytes]:
    """Every bm25 retriever's index files, by path relative to the package folder. Raises ``DataError``."""
    files: dict[PurePosixPath, bytes] = {}
    for r in decls:
        if r.kind.name != "bm25":
            continue
        text_field = options_dict(r.options).get("text_field", DEFAULT_TEXT_FIELD)
        for name, data in bm25_index(corpora[r.name.name].source, text_field).items():
            files[index_dir(r.name.name) / name] = data
    return files


def bm25_index(corpus: Path, text_field: str) -> dict[str, bytes]:
    """The files of bm25s's saved index of ``corpus``, by file name. Raises ``DataError``.

    A build renders its package more than once (to optimize, to record parity,
    to write it); the index of one corpus content is built once per process.
    """
    try:
        content = corpus.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the corpus: {exc.strerror or exc}", corpus) from None
    return dict(_cached_index(hashlib.sha256(content).hexdigest(), str(corpus), text_field))


@functools.lru_cache(maxsize=16)
def _cached_index(digest: str, corpus: str, text_field: str) -> tuple[tuple[str, bytes], ...]:
    try:
        passages = load_corpus(corpus, text_field)
    except CorpusError as exc:
        raise DataError(exc.message, exc.path, line=exc.line, row=exc.row) from None
    import bm25s

    index = bm25s.BM25()
    index.index(tokenize(passages, ids=True), show_progress=False)
    with tempfile.TemporaryDirectory(prefix="lmc-bm25-") as tmp:
        index.save(tmp, show_progress=False)
        saved = sorted(Path(tmp).iterdir())
        return tuple((p.name, _canonical(p)) for p in saved)


def _canonical(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name not in _JSON_FILES:
        return data
    value = json.loads(data)
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
