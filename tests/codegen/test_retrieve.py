"""Retrievers of emitted packages."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from lmc.runtime.retrieve import BM25Retriever, FunctionRetriever, load_corpus

PASSAGES = [
    "The river Osk runs through the capital city of Valdren.",
    "Marta Ilves founded the Valdren observatory in 1871.",
    "The observatory's first telescope came from a glassworks in Osk.",
    "Bread in Valdren is baked with rye and caraway.",
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"title": str(i), "text": t}) + "\n" for i, t in enumerate(PASSAGES)))
    return path


def test_bm25_ranks_the_matching_passage_first(corpus: Path) -> None:
    retrieve = BM25Retriever(corpus, text_field="text", k=2)
    assert retrieve._index is None  # nothing is built before the first query
    found = retrieve("who founded the observatory")
    assert len(found) == 2
    assert found[0] == PASSAGES[1]
    assert retrieve("rye bread", k=1) == [PASSAGES[3]]
    assert len(retrieve("anything", k=10)) == len(PASSAGES)


def test_bm25_builds_once_under_concurrent_first_use(corpus: Path) -> None:
    retrieve = BM25Retriever(corpus, k=1)
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(retrieve("telescope glassworks"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[PASSAGES[2]]] * 4


def test_corpus_formats(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(["one", {"body": "two"}]))
    assert load_corpus(tmp_path / "a.json", "body") == ["one", "two"]
    (tmp_path / "b.txt").write_text("first\n\nsecond\n")
    assert load_corpus(tmp_path / "b.txt", "text") == ["first", "second"]
    (tmp_path / "c.jsonl").write_text('{"other": 1}\n')
    with pytest.raises(ValueError, match="entry 1 has no text field `text`"):
        load_corpus(tmp_path / "c.jsonl", "text")


def test_function_retriever_passes_options_and_returns_text() -> None:
    seen = []

    def search(query: str, k: int = 5, lang: str = "en") -> list[object]:
        seen.append((query, k, lang))
        return list(range(k))

    retrieve = FunctionRetriever(search, k=2)
    assert retrieve("q") == ["0", "1"]
    assert retrieve("q", k=3) == ["0", "1", "2"]
    assert seen == [("q", 2, "en"), ("q", 3, "en")]
