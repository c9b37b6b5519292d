"""A bm25 corpus that breaks after ``lmc check`` ends every command cleanly, never with "internal error".

The checker reads the corpus; the package's index is built later, when the
command renders the package. A corpus changed (or deleted) after the
command's first check is found by its second (the Python API's, exit 1); one
changed after the lock matched, by the indexer (exit 3, with file and line).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lmc.building import pipeline as build
from lmc.cli import driver
from lmc.cli.main import main
from tests.stub_project import stub_project

RETRIEVER = ("enum Sentiment", 'retriever wiki = bm25 "corpus.jsonl" { k: 1 }\n\nenum Sentiment')
PASSAGES = '{"text": "Films can be good or bad."}\n{"text": "Critics write reviews."}\n'


def invalid_json(corpus: Path) -> str:
    corpus.write_text('{"text": "Films can be good or bad."}\n{"text": \n', encoding="utf-8")
    return f"{corpus}:2: invalid JSON"


def deleted(corpus: Path) -> str:
    corpus.unlink()
    return f"{corpus}: the corpus of retriever `wiki` is missing"


COMMANDS = {
    "build": ["build", "{app}", "-o", "{out}", "--threads", "1"],
    "build --no-optimize": ["build", "{app}", "-o", "{out}", "--no-optimize"],
    "run": ["run", "{app}", "classify", "--input", "sentence=Great."],
    "eval": ["eval", "{app}", "classify", "--dataset", "dev"],
    "prompt": ["prompt", "{app}", "classify.judge", "--input", "sentence=Great."],
}


@pytest.mark.parametrize("breaks", [invalid_json, deleted])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_corpus_broken_after_the_check_fails_each_command_cleanly(
    command: str, breaks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    with stub_project(tmp_path, monkeypatch, replace=[RETRIEVER]) as (server, app):
        corpus = tmp_path / "corpus.jsonl"
        corpus.write_text(PASSAGES, encoding="utf-8")
        check = driver.load_checked
        message: list[str] = []

        def checked_then_broken(path: str, fmt: str):
            loaded = check(path, fmt)
            assert loaded is not None, "the project must pass the check"
            message.append(breaks(corpus))
            return loaded

        monkeypatch.setattr(driver, "load_checked", checked_then_broken)
        argv = [part.format(app=app, out=tmp_path / "out") for part in COMMANDS[command]]
        capsys.readouterr()
        code = main(argv)
    err = capsys.readouterr().err
    # Each command checks the file again before it runs (the Python API's compile): a diagnostic, exit 1.
    code_of = "E503" if breaks is invalid_json else "E502"  # a corpus that does not read, or is not there
    assert message and code == 1 and "corpus.jsonl" in err and f"error[{code_of}]" in err
    assert "internal error" not in err and "Traceback" not in err
    assert not (tmp_path / "out" / "app").exists()


def test_a_frozen_build_whose_corpus_breaks_after_the_lock_matched_fails_with_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    """The corpus changes between the lock's hashes and the render (a race, or a file system that lies)."""
    with stub_project(tmp_path, monkeypatch, replace=[RETRIEVER]) as (server, app):
        corpus = tmp_path / "corpus.jsonl"
        corpus.write_text(PASSAGES, encoding="utf-8")
        out = tmp_path / "out"
        assert main(["build", str(app), "-o", str(out), "--no-optimize"]) == 0
        lock = app.with_suffix(".lock").read_bytes()
        mismatches = build.mismatches

        def matched_then_broken(*args, **kwargs):
            found = mismatches(*args, **kwargs)
            invalid_json(corpus)
            return found

        monkeypatch.setattr(build, "mismatches", matched_then_broken)
        capsys.readouterr()
        assert main(["build", str(app), "-o", str(out), "--no-optimize", "--frozen"]) == 3
    err = capsys.readouterr().err
    assert f"{corpus}:2: invalid JSON" in err and "internal error" not in err
    assert app.with_suffix(".lock").read_bytes() == lock
