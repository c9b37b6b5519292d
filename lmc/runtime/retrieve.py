"""Retrievers a program calls as ``ctx.retriever(name)(query)``: text passages in, list of texts out.

``BM25Retriever`` indexes a corpus file shipped in the package's ``data/``
folder, on first use (indexing costs time and imports ``bm25s``, so merely
importing a package stays fast); ``FunctionRetriever`` wraps a user's
``python "module:function"`` retriever. Both are safe to share between threads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["BM25Retriever", "FunctionRetriever", "load_corpus"]


def load_corpus(path: Path, text_field: str) -> list[str]:
    """The passages of a ``.jsonl`` / ``.json`` file (objects or strings), or of a text file, one per line."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    elif path.suffix == ".json":
        rows = json.loads(raw)
        if not isinstance(rows, list):
            raise ValueError(f"{path.name}: a .json corpus must hold a list")
    else:
        return [line for line in raw.splitlines() if line.strip()]
    texts = []
    for number, row in enumerate(rows, start=1):
        if isinstance(row, str):
            texts.append(row)
        elif isinstance(row, dict) and isinstance(row.get(text_field), str):
            texts.append(row[text_field])
        else:
            raise ValueError(f"{path.name}: entry {number} has no text field `{text_field}`")
    return texts


class BM25Retriever:
    """BM25 over a corpus file (English stopwords removed), built once, on the first query."""

    def __init__(self, corpus_path: str | Path, *, text_field: str = "text", k: int = 3) -> None:
        self.corpus_path = Path(corpus_path)
        self.text_field = text_field
        self.k = k
        self._lock = threading.Lock()
        self._index: tuple[Any, Any, list[str]] | None = None

    def __call__(self, query: str, k: int | None = None) -> list[str]:
        bm25s, index, texts = self._built()
        count = min(self.k if k is None else k, len(texts))
        if count <= 0:
            return []
        tokens = bm25s.tokenize([str(query)], stopwords="en", return_ids=False, show_progress=False)
        with self._lock:  # bm25s's retrieve is not documented as thread-safe
            ids, _scores = index.retrieve(tokens, k=count, show_progress=False, n_threads=1)
        return [texts[int(i)] for i in ids[0]]

    def _built(self) -> tuple[Any, Any, list[str]]:
        with self._lock:
            if self._index is None:
                try:
                    import bm25s
                except ImportError as exc:
                    raise ImportError("the bm25 retriever needs the `bm25s` package: pip install bm25s") from exc
                texts = load_corpus(self.corpus_path, self.text_field)
                index = bm25s.BM25()
                if texts:
                    index.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
                self._index = (bm25s, index, texts)
            return self._index

    def __repr__(self) -> str:
        return f"BM25Retriever({self.corpus_path.name!r}, text_field={self.text_field!r}, k={self.k})"


class FunctionRetriever:
    """A user's retriever function, called as ``fn(query, **options)``; its result becomes a list of str."""

    def __init__(self, fn: Callable[..., Sequence[Any]], **options: Any) -> None:
        self.fn = fn
        self.options = options

    def __call__(self, query: str, **overrides: Any) -> list[str]:
        return [str(item) for item in self.fn(query, **{**self.options, **overrides})]

    def __repr__(self) -> str:
        return f"FunctionRetriever({getattr(self.fn, '__qualname__', self.fn)!r})"
