"""Retrievers a program calls as ``ctx.retriever(name)(query)``: a query in, a list of passages out.

``BM25Retriever`` answers from a bm25s index that ``lmc build`` made and
shipped in the package (``data/NAME.bm25/``) next to the corpus it indexed:
a package never indexes, so it answers offline and starts fast. The index is
loaded on the first query (loading imports ``bm25s`` and numpy, so merely
importing a package stays fast). ``FunctionRetriever`` wraps a user's
``python "module:function"`` retriever. Both are safe to share between threads.

``load_corpus`` and ``tokenize`` are the one definition of what a passage is
and how text becomes BM25 terms: the checker, the build-time indexer and the
shipped retriever all call them, so the index and the queries always agree.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["BM25Retriever", "CorpusError", "FunctionRetriever", "load_corpus", "tokenize"]

CORPUS_FORMATS = (".jsonl", ".json", ".csv")
STOPWORDS = "en"  # English stopwords are dropped, in the corpus and in queries alike


class CorpusError(ValueError):
    """A corpus that cannot be read, with the place of the problem.

    ``line`` is a physical line of a ``.jsonl`` or ``.csv`` file, ``row`` a
    1-based position in the list of a ``.json`` file; neither is set for a
    problem with the whole file. ``fields`` holds the row's field names when
    the problem is a row without the text field (the checker suggests one).
    """

    def __init__(
        self,
        message: str,
        path: Path,
        *,
        line: int | None = None,
        row: int | None = None,
        fields: tuple[str, ...] | None = None,
    ) -> None:
        self.message = message
        self.path = Path(path)
        self.line = line
        self.row = row
        self.fields = fields
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}: {self.message}"
        if self.row is not None:
            return f"{self.path}: row {self.row}: {self.message}"
        return f"{self.path}: {self.message}"


def load_corpus(path: str | Path, text_field: str = "text") -> list[str]:
    """The passages of a corpus file, in file order. Raises ``CorpusError``.

    ``.jsonl``: one JSON object per line (blank lines skipped); ``.json``: a
    list of objects; ``.csv``: a header row, then one row per passage. Each
    object's ``text_field`` is the passage and must be a string; a JSON row
    may also be a string, which is the passage itself.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CORPUS_FORMATS:
        raise CorpusError(f"unsupported corpus type `{suffix or path.name}` (expected .jsonl, .json or .csv)", path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CorpusError(f"cannot read the file: {exc.strerror or exc}", path) from None
    except UnicodeDecodeError as exc:
        raise CorpusError(f"the file is not UTF-8 text ({exc.reason})", path) from None
    rows = {".jsonl": _jsonl_rows, ".json": _json_rows, ".csv": _csv_rows}[suffix](path, text)
    passages = [_passage(path, where, row, text_field) for where, row in rows]
    if not passages:
        raise CorpusError("the corpus has no passages", path)
    return passages


class _Where(NamedTuple):
    """Where a row is: a physical line (``.jsonl``, ``.csv``) or a position in a ``.json`` list."""

    line: int | None = None
    row: int | None = None


def _jsonl_rows(path: Path, text: str) -> Iterator[tuple[_Where, Any]]:
    # split("\n"), not splitlines(): U+2028 and friends may sit inside JSON strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                yield _Where(line=number), json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"invalid JSON: {exc.msg} (column {exc.colno})", path, line=number) from None
            except (ValueError, RecursionError) as exc:  # a number past 4,300 digits; nesting past the stack
                raise CorpusError(f"unreadable JSON: {too_much(exc)}", path, line=number) from None


def too_much(exc: BaseException) -> str:
    """What a JSON reader could not hold: nesting past the stack, or an integer past Python's digits."""
    if isinstance(exc, RecursionError):
        return "a value is nested too deeply"
    return "a number has too many digits" if "digits" in str(exc) else str(exc)


def _json_rows(path: Path, text: str) -> Iterator[tuple[_Where, Any]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"invalid JSON: {exc.msg} (column {exc.colno})", path, line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:  # a number past 4,300 digits; nesting past the stack
        raise CorpusError(f"unreadable JSON: {too_much(exc)}", path) from None
    if not isinstance(value, list):
        raise CorpusError(f"a .json corpus must hold a list, not {json_kind(value)}", path)
    for number, row in enumerate(value, start=1):
        yield _Where(row=number), row


def _csv_rows(path: Path, text: str) -> Iterator[tuple[_Where, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CorpusError("the file is empty (expected a header row)", path)
        for values in reader:
            if not values:
                continue
            if len(values) != len(header):
                raise CorpusError(
                    f"{len(values)} value(s), but the header names {len(header)} field(s)", path, line=reader.line_num
                )
            yield _Where(line=reader.line_num), dict(zip(header, values, strict=True))
    except csv.Error as exc:
        raise CorpusError(f"invalid CSV: {exc}", path, line=reader.line_num) from None


def _passage(path: Path, where: _Where, row: object, text_field: str) -> str:
    if isinstance(row, str):
        return row

    def error(message: str, fields: tuple[str, ...] | None = None) -> CorpusError:
        return CorpusError(message, path, line=where.line, row=where.row, fields=fields)

    if not isinstance(row, dict):
        raise error(f"expected a JSON object or a string, got {json_kind(row)}")
    if text_field not in row:
        raise error(f"no field `{text_field}` (the text field)", fields=tuple(row))
    value = row[text_field]
    if not isinstance(value, str):
        raise error(f"the text field `{text_field}` is {json_kind(value)}, not a string")
    return value


def json_kind(value: object) -> str:
    """A JSON value's kind, for messages: `a number`, `a list`, `null` ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a string"


def tokenize(texts: Sequence[str], *, ids: bool) -> Any:
    """BM25 terms of ``texts``: bm25s's tokenizer (lowercase words of 2+ letters, English stopwords dropped).

    ``ids=True`` gives the token ids and vocabulary an index is built from;
    ``ids=False`` gives terms as strings, which the index maps to its own ids.
    """
    bm25s = _bm25s()
    return bm25s.tokenize(list(texts), stopwords=STOPWORDS, return_ids=ids, show_progress=False)


def _bm25s() -> Any:
    try:
        import bm25s
    except ImportError as exc:
        raise ImportError("the bm25 retriever needs the `bm25s` package: pip install bm25s") from exc
    return bm25s


class BM25Retriever:
    """BM25 over a corpus, from the index built at build time; loaded once, on the first query."""

    def __init__(self, index_dir: str | Path, corpus_path: str | Path, *, text_field: str = "text", k: int = 3) -> None:
        self.index_dir = Path(index_dir)
        self.corpus_path = Path(corpus_path)
        self.text_field = text_field
        self.k = k
        self._lock = threading.Lock()
        self._loaded: tuple[Any, list[str]] | None = None

    def __call__(self, query: str, k: int | None = None) -> list[str]:
        index, passages = self._load()
        count = min(self.k if k is None else k, len(passages))
        if count <= 0:
            return []
        terms = tokenize([str(query)], ids=False)
        with self._lock:  # bm25s's retrieve is not documented as thread-safe
            ids, _scores = index.retrieve(terms, k=count, show_progress=False, n_threads=1)
        return [passages[int(i)] for i in ids[0]]

    def _load(self) -> tuple[Any, list[str]]:
        with self._lock:
            if self._loaded is None:
                passages = load_corpus(self.corpus_path, self.text_field)
                try:
                    index = _bm25s().BM25.load(self.index_dir, load_corpus=False, mmap=False, show_progress=False)
                except (OSError, ValueError) as exc:
                    raise RuntimeError(f"cannot load the bm25 index {self.index_dir}: {exc}") from exc
                if index.scores["num_docs"] != len(passages):
                    raise RuntimeError(
                        f"the bm25 index {self.index_dir} holds {index.scores['num_docs']} passages but "
                        f"{self.corpus_path.name} has {len(passages)}: rebuild the package"
                    )
                self._loaded = (index, passages)
            return self._loaded

    def __repr__(self) -> str:
        return f"BM25Retriever({self.index_dir.name!r}, {self.corpus_path.name!r}, k={self.k})"


class FunctionRetriever:
    """A user's retriever function, called as ``fn(query, **options)``; its result becomes a list of str."""

    def __init__(self, fn: Callable[..., Sequence[Any]], **options: Any) -> None:
        self.fn = fn
        self.options = options

    def __call__(self, query: str, **overrides: Any) -> list[str]:
        return [str(item) for item in self.fn(query, **{**self.options, **overrides})]

    def __repr__(self) -> str:
        return f"FunctionRetriever({getattr(self.fn, '__qualname__', self.fn)!r})"
