"""bm25 corpora, read by the runtime's reader: the one the build's indexer and the shipped retriever use.

The data layer is where lmc reads a user's data files. A corpus is read by
the very code the emitted package runs (``runtime/retrieve.py``), so what the
checker accepts is exactly what the build indexes and the package serves;
the checks reach that reader through this module only.
"""

from __future__ import annotations

from ..runtime.retrieve import CORPUS_FORMATS, CorpusError, load_corpus

__all__ = ["CORPUS_FORMATS", "CorpusError", "load_corpus"]
