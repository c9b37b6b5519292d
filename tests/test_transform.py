"""Tree to IR: string decoding and exact spans."""

from __future__ import annotations

import pytest

from lmc.diagnostics.core import Span
from lmc.ir import nodes as ir
from lmc.syntax.parse import parse
from lmc.syntax.strings import decode_string


def parse_ok(text: str) -> ir.SourceFile:
    source, diagnostics = parse(text, "f.lmp")
    assert diagnostics == []
    assert source is not None
    return source


def span(line: int, col: int, end_line: int, end_col: int) -> Span:
    return Span("f.lmp", line, col, end_line, end_col)


# ------------------------------------------------------------ string literals


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('""', ""),
        ('"plain"', "plain"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"a\\\\b"', "a\\b"),
        ('"line\\nbreak\\ttab"', "line\nbreak\ttab"),
        ('"\\u00e9t\\u00E9"', "été"),
        ('"\\ud83d\\ude00"', "\U0001f600"),
        ('"caf\u00e9 \u4e2d"', "café 中"),
        ('"# not a comment"', "# not a comment"),
        ('""""""', ""),
        ('"""one line"""', "one line"),
        ('"""\n    First.\n\n      Indented.\n    Last.\n    """', "First.\n\n  Indented.\nLast."),
        ('"""Summary.\n    Body line."""', "Summary.\nBody line."),
        ('"""quote " and "" inside"""', 'quote " and "" inside'),
        ('"""a\\nb"""', "a\nb"),
        ('"""\r\n  One.\r\n  Two.\r\n"""', "One.\nTwo."),
    ],
)
def test_decode_string_values(raw: str, value: str) -> None:
    literal = decode_string(raw)
    assert literal.problems == ()
    assert literal.value == value


def test_decode_string_maps_each_character_to_its_source_offset() -> None:
    literal = decode_string('"a\\nb\\u00e9c"')
    assert literal.decoded == "a\nbéc"
    # a at 1, \n at 2, b at 4, \u00e9 at 5, c at 11, closing quote at 12
    assert literal.offsets == (1, 2, 4, 5, 11, 12)


@pytest.mark.parametrize(
    ("raw", "start", "end", "message"),
    [
        ('"\\q"', 1, 3, "unknown escape `\\q`"),
        ('"ab\\x41"', 3, 5, "unknown escape `\\x`"),
        ('"\\u12"', 1, 5, "`\\u` must be followed by four hex digits"),
        ('"\\uZZZZ"', 1, 7, "`\\u` must be followed by four hex digits"),
        ('"\\ud800"', 1, 7, "`\\ud800` is half of a surrogate pair"),
        ('"\\ude00\\u0041"', 1, 7, "`\\ude00` is half of a surrogate pair"),
        ('"""\\\n"""', 3, 5, "unknown escape `\\'\\n'`"),
    ],
)
def test_decode_string_reports_bad_escapes(raw: str, start: int, end: int, message: str) -> None:
    literal = decode_string(raw)
    (problem,) = literal.problems
    assert (problem.start, problem.end, problem.text.message) == (start, end, message)
    assert raw[1:-1] in literal.value or literal.value  # decoding still gives a value


def test_bad_escape_decodes_to_its_own_text() -> None:
    literal = decode_string('"a\\qb\\u12"')
    assert literal.value == "a\\qb\\u12"
    assert len(literal.offsets) == len(literal.decoded) + 1
    assert literal.offsets == (1, 2, 3, 4, 5, 6, 7, 8, 9)


# ----------------------------------------------------------------------- spans


def test_declaration_and_name_spans() -> None:
    source = parse_ok('\n  lm   fast = "m" { temperature: 0.5 }   # c\n')
    (lm,) = source.decls
    assert lm.span == span(2, 3, 2, 39)
    assert lm.name.span == span(2, 8, 2, 12)
    assert lm.options.span == span(2, 19, 2, 39)
    (entry,) = lm.options.entries
    assert (entry.span, entry.key.span, entry.value.span) == (
        span(2, 21, 2, 37),
        span(2, 21, 2, 32),
        span(2, 34, 2, 37),
    )


def test_absent_options_have_a_zero_width_span_at_the_end() -> None:
    lm, dataset = parse_ok('lm a = "m"\ndataset d = "x.jsonl"   # no options\n').decls
    assert lm.options == ir.Options(entries=(), span=span(1, 11, 1, 11))
    assert dataset.options.span == span(2, 22, 2, 22)


def test_source_file_span_covers_the_text() -> None:
    assert parse_ok("enum E { a }\n\n").span == span(1, 1, 3, 1)
    assert parse_ok("").span == span(1, 1, 1, 1)


def test_multiline_declaration_span() -> None:
    text = 'signature S {\n  in a: str\n  out b: int?   "score"\n}\n'
    (sig,) = parse_ok(text).decls
    assert sig.span == span(1, 1, 4, 2)
    a, b = sig.fields
    assert a.span == span(2, 3, 2, 12)
    assert b.span == span(3, 3, 3, 24)
    assert b.type.span == span(3, 10, 3, 14)
    assert b.type.inner.span == span(3, 10, 3, 13)


def test_string_signature_fields_point_inside_the_literal() -> None:
    text = 'signature S = "question: str, k: int -> answers: list[str]"'
    (sig,) = parse_ok(text).decls
    question, k, answers = sig.fields
    assert question.span == span(1, 16, 1, 29)
    assert question.name.span == span(1, 16, 1, 24)
    assert question.type.span == span(1, 26, 1, 29)
    assert k.span == span(1, 31, 1, 37)
    assert answers.type.span == span(1, 50, 1, 59)
    assert text[answers.type.span.col - 1 : answers.type.span.end_col - 1] == "list[str]"


def test_string_signature_spans_account_for_escapes_and_lines() -> None:
    (sig,) = parse_ok('signature S = "lab\\u0065l -> result"').decls
    label, result = sig.fields
    assert label.name.name == "label"
    assert label.name.span == span(1, 16, 1, 26)  # `lab\u0065l` is ten characters of source
    assert result.name.span == span(1, 30, 1, 36)
    (multi,) = parse_ok('signature M = """\n   ctx ->\n  answer: int\n"""').decls
    ctx, answer = multi.fields
    assert ctx.name.span == span(2, 4, 2, 7)
    assert answer.type.span == span(3, 11, 3, 14)


def test_expression_spans() -> None:
    text = "program p(a: str) -> (b: str) {\n  x = -3 + f(a, k=[1]).y\n}\n"
    (program,) = parse_ok(text).decls
    (assign,) = program.body
    assert assign.span == span(2, 3, 2, 25)
    add = assign.value
    assert add.span == span(2, 7, 2, 25)
    assert add.left == ir.Const(value=-3, span=span(2, 7, 2, 9))
    attr = add.right
    assert attr.span == span(2, 12, 2, 25)
    call = attr.obj
    assert call.span == span(2, 12, 2, 23)
    assert call.kwargs[0].span == span(2, 17, 2, 22)
    assert call.kwargs[0].value.span == span(2, 19, 2, 22)


def test_parenthesised_expression_spans_the_inside() -> None:
    text = "program p(a: str) -> (b: str) {\n  x = ( a )\n}\n"
    (program,) = parse_ok(text).decls
    assert program.body[0].value.span == span(2, 9, 2, 10)


def test_module_options_span_the_entries() -> None:
    text = (
        "program p(a: str) -> (b: str) {\n  module m = ReAct(S, tools: [t], max_iters: 2)\n  module n = Predict(S)\n}\n"
    )
    (program,) = parse_ok(text).decls
    m, n = program.body
    assert m.span == span(2, 3, 2, 48)
    assert m.options.span == span(2, 23, 2, 47)
    assert n.options == ir.Options(entries=(), span=span(3, 23, 3, 23))


def test_block_statement_spans() -> None:
    text = "program p(a: str) -> (b: str) {\n  if a {\n    return a\n  } else {\n  }\n}\n"
    (program,) = parse_ok(text).decls
    (stmt,) = program.body
    assert stmt.span == span(2, 3, 5, 4)
    assert stmt.then[0].span == span(3, 5, 3, 13)
    assert program.span == span(1, 1, 6, 2)


def test_metric_spans() -> None:
    source = parse_ok('metric a = judge(Verdict, lm: teacher)\nmetric b = f1(answer)\nmetric c = python "m:f"\n')
    a, b, c = source.decls
    assert a.expr.span == span(1, 12, 1, 39)
    assert a.expr.options.span == span(1, 27, 1, 38)
    assert b.expr.options.span == span(2, 21, 2, 21)
    assert c.expr.span == span(3, 12, 3, 24)


def test_tool_and_program_parameter_spans() -> None:
    (tool,) = parse_ok('tool t(q: str, k: int = -1) -> str = python "m:f"').decls
    q, k = tool.params
    assert q.span == span(1, 8, 1, 14)
    assert k.span == span(1, 16, 1, 27)
    assert k.default == ir.Const(value=-1, span=span(1, 25, 1, 27))
    assert tool.impl.span == span(1, 38, 1, 50)


def test_crlf_keeps_columns() -> None:
    (enum,) = parse_ok("enum E {\r\n  a\r\n  b\r\n}\r\n").decls
    assert [m.span for m in enum.members] == [span(2, 3, 2, 4), span(3, 3, 3, 4)]
    assert enum.span == span(1, 1, 4, 2)


def test_byte_order_mark_is_whitespace() -> None:
    (lm,) = parse_ok('\ufefflm a = "m"').decls
    assert lm.span == span(1, 2, 1, 12)
