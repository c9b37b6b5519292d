"""Retrievers of emitted packages: bm25 indexed at build time and shipped, corpora read strictly, python retrievers."""

from __future__ import annotations

import json
import threading
from pathlib import Path, PurePosixPath

import bm25s
import pytest

from lmc.checks import run_checks
from lmc.codegen import retrievers as indexer
from lmc.data.datasets import DataError
from lmc.host.loader import load_package
from lmc.runtime.retrieve import CorpusError, FunctionRetriever, load_corpus, tokenize
from lmc.syntax.parse import parse
from tests.codegen.helpers import load_text, render_text

PASSAGES = [
    "The river Osk runs through the capital city of Valdren.",
    "Marta Ilves founded the Valdren observatory in 1871.",
    "The observatory's first telescope came from a glassworks in Osk.",
    "Bread in Valdren is baked with rye and caraway.",
    "Marta Ilves was born in a glassworks town on the river Osk.",
    "The capital of Valdren holds a rye festival every autumn.",
]
QUERIES = [
    "who founded the observatory",
    "rye bread",
    "Where was Marta Ilves born?",
    "telescope glassworks Osk",
    "the and of",  # stopwords only: every score is zero
    "zebra",  # no term of the corpus
]

SOURCE = """
retriever wiki = bm25 "data/corpus.jsonl" { k: 2 }

program ask(question: str) -> (passages: list[str]) {
  return { passages: wiki(question) }
}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    rows = "".join(json.dumps({"title": str(i), "text": t}) + "\n" for i, t in enumerate(PASSAGES))
    (tmp_path / "data" / "corpus.jsonl").write_text(rows, encoding="utf-8")
    return tmp_path


def _fresh_index(passages: list[str]) -> bm25s.BM25:
    """The index the build makes, made here in memory and never saved."""
    index = bm25s.BM25()
    index.index(tokenize(passages, ids=True), show_progress=False)
    return index


def test_the_package_retrieves_exactly_as_the_build_time_index(folder: Path) -> None:
    pkg = load_text(SOURCE, folder)
    retrieve = pkg.programs.RETRIEVERS["wiki"]
    index = _fresh_index(PASSAGES)
    for query in QUERIES:
        for k in (1, 2, 6):
            ids, _ = index.retrieve(tokenize([query], ids=False), k=k, show_progress=False, n_threads=1)
            assert retrieve(query, k=k) == [PASSAGES[int(i)] for i in ids[0]], (query, k)
    assert pkg.ask(question="who founded the observatory").passages[0] == PASSAGES[1]
    assert len(retrieve("anything", k=50)) == len(PASSAGES)


def test_the_package_ships_the_index_and_never_builds_one(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = render_text(SOURCE, folder)
    shipped = sorted(str(p) for p in files if p.parts[:2] == ("pkg", "data"))
    assert shipped == [
        "pkg/data/corpus.jsonl",
        "pkg/data/wiki.bm25/data.csc.index.npy",
        "pkg/data/wiki.bm25/indices.csc.index.npy",
        "pkg/data/wiki.bm25/indptr.csc.index.npy",
        "pkg/data/wiki.bm25/params.index.json",
        "pkg/data/wiki.bm25/vocab.index.json",
    ]

    def no_indexing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the package indexed its corpus")

    monkeypatch.setattr(bm25s.BM25, "index", no_indexing)
    monkeypatch.setattr(indexer, "bm25_index", no_indexing)
    pkg = load_package(files, package="pkg")
    assert pkg.programs.RETRIEVERS["wiki"]("Marta Ilves observatory", k=1) == [PASSAGES[1]]


def test_index_bytes_are_deterministic(folder: Path) -> None:
    first = render_text(SOURCE, folder)
    indexer._cached_index.cache_clear()  # index again, not from this process's cache
    second = render_text(SOURCE, folder)
    index_files = [p for p in first if "wiki.bm25" in p.parts]
    assert index_files and all(first[p] == second[p] for p in index_files)
    params = json.loads(first[PurePosixPath("pkg/data/wiki.bm25/params.index.json")])
    assert params["num_docs"] == len(PASSAGES)


def test_concurrent_first_queries_load_the_index_once(folder: Path) -> None:
    retrieve = load_text(SOURCE, folder).programs.RETRIEVERS["wiki"]
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(retrieve("telescope", k=1))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[PASSAGES[2]]] * 4


def test_a_shipped_corpus_that_no_longer_matches_its_index_is_refused(folder: Path) -> None:
    pkg = load_text(SOURCE, folder)
    retrieve = pkg.programs.RETRIEVERS["wiki"]
    retrieve.corpus_path.write_text('{"text": "only one passage now"}\n', encoding="utf-8")
    with pytest.raises(RuntimeError, match="holds 6 passages but corpus.jsonl has 1: rebuild the package"):
        retrieve("anything")


# ------------------------------------------------------------------ corpora


def test_corpus_formats(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(["one", {"body": "two"}]))
    assert load_corpus(tmp_path / "a.json", "body") == ["one", "two"]
    (tmp_path / "b.csv").write_text("title,body\nx,first\n\ny,second\n")
    assert load_corpus(tmp_path / "b.csv", "body") == ["first", "second"]
    (tmp_path / "c.jsonl").write_text('\ufeff{"text": "a"}\n\n"b"\n')
    assert load_corpus(tmp_path / "c.jsonl") == ["a", "b"]


@pytest.mark.parametrize(
    ("name", "content", "line", "row", "message"),
    [
        ("a.jsonl", '{"text": "ok"}\n{"text": 3}\n', 2, None, "the text field `text` is a number, not a string"),
        ("b.jsonl", '{"text": "ok"}\n\n{"body": "x"}\n', 3, None, "no field `text` (the text field)"),
        ("c.jsonl", '{"text": "ok"}\n{"text": "no end\n', 2, None, "invalid JSON: Unterminated string"),
        ("d.jsonl", "[1, 2]\n", 1, None, "expected a JSON object or a string, got a list"),
        ("e.json", '[{"text": "ok"}, {"text": null}]', None, 2, "the text field `text` is null, not a string"),
        ("f.json", '{"text": "ok"}', None, None, "a .json corpus must hold a list, not an object"),
        ("g.csv", "text,title\nok\n", 2, None, "1 value(s), but the header names 2 field(s)"),
        ("h.jsonl", "\n\n", None, None, "the corpus has no passages"),
        ("i.txt", "plain text\n", None, None, "unsupported corpus type `.txt`"),
    ],
)
def test_broken_corpora_name_the_file_and_line(tmp_path: Path, name, content, line, row, message) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path / name, "text")
    err = info.value
    assert (err.line, err.row) == (line, row) and err.message.startswith(message)
    where = f"{tmp_path / name}:{line}" if line else f"{tmp_path / name}: row {row}" if row else str(tmp_path / name)
    assert str(err) == f"{where}: {err.message}"


def test_the_indexer_reports_a_broken_corpus_as_a_data_error(tmp_path: Path) -> None:
    # The checker reports this first (below); the indexer still refuses, naming file and line.
    (tmp_path / "c.jsonl").write_text('{"text": "ok"}\n{"text": 7}\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        indexer.bm25_index(tmp_path / "c.jsonl", "text")
    assert str(info.value) == f"{tmp_path / 'c.jsonl'}:2: the text field `text` is a number, not a string"


def _diagnostics(folder: Path, text: str) -> list:
    source, syntax = parse(text, "prog.lmp")
    assert source is not None and not syntax
    return run_checks(source, folder, strict=True)


def test_check_names_the_broken_corpus_line(tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text('{"text": "ok"}\n{"text": ["a"]}\n{"body": "x"}\n', encoding="utf-8")
    [diag] = _diagnostics(tmp_path, 'retriever r = bm25 "c.jsonl"\n')
    assert (diag.code, diag.message) == (
        "E503",
        "retriever `r`: cannot read the corpus: c.jsonl:2: the text field `text` is a list, not a string",
    )
    assert diag.help == "fix line 2 of c.jsonl"
    (tmp_path / "c.jsonl").write_text('{"text": "ok"}\n{"txt": "x"}\n', encoding="utf-8")
    [diag] = _diagnostics(tmp_path, 'retriever r = bm25 "c.jsonl" { k: 1 }\n')
    assert (diag.code, diag.message, diag.help) == (
        "E504",
        "the corpus of retriever `r` has no field `text` at c.jsonl:2",
        "did you mean `txt`?",
    )


def test_check_reads_large_corpora_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lmc.checks import datasets

    monkeypatch.setattr(datasets, "MAX_BYTES", 10)  # datasets this large are only checked for existence
    (tmp_path / "c.jsonl").write_text('{"text": "a long enough passage"}\n{"text": 1}\n', encoding="utf-8")
    [diag] = _diagnostics(tmp_path, 'retriever r = bm25 "c.jsonl"\n')
    assert diag.code == "E503" and "c.jsonl:2" in diag.message


# ------------------------------------------------------------------ python


def test_python_retriever_is_shipped_and_called_with_its_options(tmp_path: Path) -> None:
    (tmp_path / "myret.py").write_text(
        "def search(query, k=5):\n    return [f'{query} {i}' for i in range(k)]\n", encoding="utf-8"
    )
    source = """
retriever find = python "myret:search" { k: 2 }

program ask(question: str) -> (passages: list[str]) {
  return { passages: find(question) }
}
"""
    files = render_text(source, tmp_path)
    assert files[PurePosixPath("pkg/_ext/myret.py")] == (tmp_path / "myret.py").read_bytes()
    assert not any("data" in p.parts for p in files if p.parts[0] == "pkg")
    pkg = load_package(files, package="pkg")
    assert pkg.ask(question="q").passages == ["q 0", "q 1"]


def test_function_retriever_passes_options_and_returns_text() -> None:
    seen = []

    def search(query: str, k: int = 5, lang: str = "en") -> list[object]:
        seen.append((query, k, lang))
        return list(range(k))

    retrieve = FunctionRetriever(search, k=2)
    assert retrieve("q") == ["0", "1"]
    assert retrieve("q", k=3) == ["0", "1", "2"]
    assert seen == [("q", 2, "en"), ("q", 3, "en")]
