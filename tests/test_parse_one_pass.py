"""The one-pass reader gives Lark's spans, and the grammar's table cache is private and self-healing."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from lark import Tree

from lmc import ir
from lmc.parse import grammar_cache_file, parse, parser

ROOT = Path(__file__).parent.parent
FILES = sorted([*(ROOT / "samples").glob("*.lmp"), *(ROOT / "tests" / "data").rglob("*.lmp")])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_declaration_spans_what_the_parse_tree_says(path: Path) -> None:
    """Each declaration (and its name) spans what Lark's ``propagate_positions`` gives its tree node."""
    text = path.read_text(encoding="utf-8")
    source, _ = parse(text, "f.lmp")
    assert source is not None
    tree = parser().parse(text, start="file")
    nodes = [child for child in tree.children if isinstance(child, Tree)]
    assert len(nodes) == len(source.decls)
    for node, decl in zip(nodes, source.decls, strict=True):
        meta = node.meta
        assert (decl.span.line, decl.span.col, decl.span.end_line, decl.span.end_col) == (
            meta.line,
            meta.column,
            meta.end_line,
            meta.end_column,
        ), node.data


def test_parenthesised_operands_keep_their_own_span_and_widen_their_parents() -> None:
    source, _ = parse("program p(a: str) -> (b: str) {\n  x = (a + a).y\n  return {b: x}\n}\n", "f.lmp")
    assert source is not None
    (program,) = source.decls
    assign = program.body[0]
    assert isinstance(assign, ir.Assign) and isinstance(assign.value, ir.Attr)
    attr = assign.value
    assert (attr.span.col, attr.span.end_col) == (7, 16)  # `(a + a).y`
    assert (attr.obj.span.col, attr.obj.span.end_col) == (8, 13)  # `a + a`


def test_the_table_cache_lives_in_the_users_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first, other = grammar_cache_file("grammar a"), grammar_cache_file("grammar b")
    assert first is not None and other is not None
    assert first.parent == tmp_path / "lmc" and first.name.startswith("lmp-grammar-")
    assert first != other  # keyed on the grammar


def test_a_corrupt_cache_is_rebuilt_and_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = (ROOT / "tests" / "data" / "spec_example.lmp").read_text(encoding="utf-8")
    expected = parser().parse(text, start="file")
    parser.__wrapped__()  # writes the cache
    (cached,) = (tmp_path / "lmc").iterdir()
    good = cached.read_bytes()
    cached.write_bytes(good[: len(good) // 2])
    assert parser.__wrapped__().parse(text, start="file") == expected
    with cached.open("rb") as f:  # rewritten whole: Lark's hash line, then two pickles
        assert f.readline() == good.split(b"\n", 1)[0] + b"\n"
        pickle.load(f)
        pickle.load(f)


def test_an_unwritable_cache_file_costs_only_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    parser.__wrapped__()
    (cached,) = (tmp_path / "lmc").iterdir()
    cached.unlink()
    cached.mkdir()  # neither readable nor writable as a file
    assert parser.__wrapped__().parse("enum E { a }\n", start="file") is not None
    assert cached.is_dir()


def test_no_cache_folder_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder would go
    assert grammar_cache_file("g") is None
    assert parser.__wrapped__().parse("enum E { a }\n", start="file") is not None


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_readers_tokens_are_larks(path: Path) -> None:
    from lmc.parse import _NEWLINES, _tokens

    text = path.read_text(encoding="utf-8")
    lark = parser()

    def described(tokens: object) -> list[tuple[object, ...]]:
        return [
            (t.type, str(t), t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)
            for t in tokens  # type: ignore[attr-defined]
        ]

    assert described(_NEWLINES.process(_tokens(lark, text))) == described(lark.lex(text))
