"""The one-pass reader gives Lark's tokens and spans, and the grammar's caches are private and self-healing."""

from __future__ import annotations

import marshal
import pickle
from pathlib import Path

import pytest
from lark import Tree

from lmc import resources
from lmc.ir import nodes as ir
from lmc.syntax import grammar, tables
from lmc.syntax.grammar import grammar_cache_file, parser
from lmc.syntax.parse import parse
from lmc.syntax.reader import Reader, tokens

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


def user_cache(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """As the ``lmc`` command runs: the tables in the user's cache folder, ``$XDG_CACHE_HOME`` = ``folder``."""
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.setattr(resources, "_cache_root", None)
    grammar.use_default_cache()


def test_the_api_keeps_no_table_cache_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(resources, "_cache_root", None)
    assert grammar_cache_file("g", "1.3.1") is None
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "asked"))
    cached = grammar_cache_file("g", "1.3.1")
    assert cached is not None and cached.parent == tmp_path / "asked"


def test_larks_table_cache_lives_in_the_users_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_cache(monkeypatch, tmp_path)
    first, other = grammar_cache_file("grammar a", "1.3.1"), grammar_cache_file("grammar b", "1.3.1")
    assert first is not None and other is not None
    assert first.parent == tmp_path / "lmc" and first.name.startswith("lmp-grammar-")
    assert first != other  # keyed on the grammar


def test_a_corrupt_lark_cache_is_rebuilt_and_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_cache(monkeypatch, tmp_path)
    text = (ROOT / "tests" / "data" / "spec_example.lmp").read_text(encoding="utf-8")
    expected = parser().parse(text, start="file")
    parser.__wrapped__()  # writes the cache
    (cached,) = (tmp_path / "lmc").glob("lmp-grammar-*")
    good = cached.read_bytes()
    cached.write_bytes(good[: len(good) // 2])
    assert parser.__wrapped__().parse(text, start="file") == expected
    with cached.open("rb") as f:  # rewritten whole: Lark's hash line, then two pickles
        assert f.readline() == good.split(b"\n", 1)[0] + b"\n"
        pickle.load(f)
        pickle.load(f)


def test_an_unwritable_lark_cache_costs_only_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_cache(monkeypatch, tmp_path)
    parser.__wrapped__()
    (cached,) = (tmp_path / "lmc").glob("lmp-grammar-*")
    cached.unlink()
    cached.mkdir()  # neither readable nor writable as a file
    assert parser.__wrapped__().parse("enum E { a }\n", start="file") is not None
    assert cached.is_dir()


def test_no_cache_folder_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    user_cache(monkeypatch, blocker)  # a file where the folder would go
    assert grammar_cache_file("g", "1.3.1") is None
    fresh = parser.__wrapped__()  # built from the grammar's text, not from Lark's cache
    assert fresh.parse("enum E { a }\n", start="file") is not None
    built, cached = tables.from_lark(fresh), tables.from_lark(parser())
    # The states are numbered as each build goes; the rules and the lexer are the grammar's.
    assert (built.rules, built.patterns, built.keywords) == (cached.rules, cached.patterns, cached.keywords)
    # Plain data only, though a Lark built from the text names things with its Tokens.
    assert tables._decode(marshal.loads(marshal.dumps(tables._encode(built)))) == built
    text = (ROOT / "tests" / "data" / "spec_example.lmp").read_text(encoding="utf-8")
    assert Reader(built, "f.lmp", describe=None).read(text, "file") == parse(text, "f.lmp")[0].decls  # type: ignore[arg-type, union-attr]


def test_the_tables_are_larks_and_their_cache_heals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_cache(monkeypatch, tmp_path)
    expected = tables.from_lark(parser())
    assert tables.load.__wrapped__() == expected  # built, and written
    (cached,) = (tmp_path / "lmc").glob("lmp-tables-*")
    assert tables.load.__wrapped__() == expected  # read back
    _, data = marshal.loads(cached.read_bytes())
    another_grammar = marshal.dumps(("another grammar", data))
    for broken in (cached.read_bytes()[:100], b"", b"\x00garbage", another_grammar):
        cached.write_bytes(broken)
        assert tables.load.__wrapped__() == expected
        assert tables.load.__wrapped__() == expected
        assert marshal.loads(cached.read_bytes())[0] == grammar.grammar_text()  # rewritten whole
    cached.unlink()
    cached.mkdir()  # neither readable nor writable as a file
    assert tables.load.__wrapped__() == expected
    assert [p.name for p in (tmp_path / "lmc").iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_readers_tokens_are_larks(path: Path) -> None:
    from lmc.syntax.newlines import Newlines

    text = path.read_text(encoding="utf-8")
    lark = parser()

    def described(tokens: object) -> list[tuple[object, ...]]:
        return [
            (t.type, str(t), t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)
            for t in tokens  # type: ignore[attr-defined]
        ]

    assert described(Newlines().process(tokens(tables.load(), text))) == described(lark.lex(text))


def test_without_a_blank_run_each_regex_is_tried_in_larks_order() -> None:
    """Tables whose blanks are not one character class lex the slower way, to the same tokens."""
    import dataclasses

    from lmc.syntax.newlines import Newlines

    text = (ROOT / "tests" / "data" / "check_clean" / "rich.lmp").read_text(encoding="utf-8")
    fast = tables.load()
    slow = dataclasses.replace(fast, blank="")
    assert fast.blank  # the grammar's `%ignore` is a run of blanks: the fast path is the one in use

    def described(stream: object) -> list[tuple[object, ...]]:
        return [(t.type, str(t), t.start_pos, t.line, t.column, t.end_line, t.end_column) for t in stream]  # type: ignore[attr-defined]

    assert described(tokens(slow, text)) == described(tokens(fast, text))
    assert described(Newlines().process(tokens(slow, text))) == described(parser().lex(text))


@pytest.mark.parametrize("text", ["signature S {\n  in a: str\n  out b: str\n}\n", "signature S {\n  in a str\n}\n"])
def test_the_collector_is_paused_while_reading_and_left_as_it_was(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paused during the read (a file that reads and one that does not), then on again; a host's `off` is kept."""
    import gc

    from lmc.syntax import parse as parse_module

    seen: list[bool] = []
    real = Reader.read

    def watched(self: Reader, *args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parse_module.Reader, "read", watched)
    assert gc.isenabled()
    parse(text, "f.lmp")
    assert seen and not seen[0] and gc.isenabled()
    gc.disable()
    try:
        parse(text, "f.lmp")
        assert not gc.isenabled()
    finally:
        gc.enable()
