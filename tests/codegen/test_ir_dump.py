"""The IR text dump: stable, one node per line, spans as line:col-end_line:end_col."""

from __future__ import annotations

from lmc.ir.dump import dump
from lmc.syntax.parse import parse

SOURCE = """enum Mood { happy, sad }

program p(x: str) -> (y: str) {
  return { y: x + "!" }
}
"""


def test_dump_is_stable_and_shows_spans() -> None:
    first, _ = parse(SOURCE, "t.lmp")
    second, _ = parse(SOURCE, "t.lmp")
    text = dump(first)
    assert text == dump(second)
    lines = text.splitlines()
    assert lines[0].startswith("SourceFile 't.lmp' @1:1-")
    assert "  EnumDecl @1:1-1:25" in lines
    assert "    name: Ident 'Mood' @1:6-1:10" in lines
    assert "      - Ident 'happy' @1:13-1:18" in lines
    assert any(line.strip() == "op: '+'" for line in lines)
    assert any(line.strip() == "value: '!'" for line in lines)
    assert not any(line != line.rstrip() for line in lines)
