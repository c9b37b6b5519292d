"""Syntax errors: where they point, what they say, that all are found, that nothing crashes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lark import Lark
from lark.parsers.lalr_analysis import LALR_Analyzer

from lmc.diagnostics.core import Diagnostic, render
from lmc.resources import resource_dir
from lmc.syntax import messages as syntax_errors
from lmc.syntax.grammar import parser
from lmc.syntax.parse import MAX_SYNTAX_ERRORS, parse

DATA = Path(__file__).parent / "data"
PROGRAM = "program p(a: str) -> (b: str) {{\n{}\n}}\n"


def errors(text: str) -> list[Diagnostic]:
    source, diagnostics = parse(text, "e.lmp")
    assert diagnostics, "expected a diagnostic"
    return diagnostics


def one_error(text: str) -> Diagnostic:
    (diagnostic,) = errors(text)
    return diagnostic


# (name, source, code, line, col, part of the message, part of the help or None)
MISTAKES = [
    (
        "missing closing brace before the next declaration",
        "signature S {\n  in a: str\n  out b: str\n\nprogram p(a: str) -> (b: str) {\n  return a\n}\n",
        "E002", 5, 1, "`program` begins a new declaration, but the `{` on line 1 is still open", "add `}`",
    ),
    (
        "missing closing brace at the end of the file",
        "program p(a: str) -> (b: str) {\n  repeat 2 {\n    x = 1   # no end",
        "E003", 3, 10, "the `{` on line 2 is never closed", "add `}`",
    ),
    (
        "missing closing parenthesis",
        PROGRAM.format("  x = f(a, g(b)\n  y = 2"),
        "E002", 3, 3, "expected `)` or `,`, found the name `y`", "the `(` on line 2 is still open",
    ),
    ("missing `=`", 'lm default "local/smollm2"\n', "E002", 1, 12, "expected `=`, found a string", None),
    (
        "unterminated string",
        'lm default = "local/smollm2\nenum E { a }\n',
        "E004", 1, 14, "this string is never closed", 'end it with `"`',
    ),
    (
        "unterminated docstring",
        'signature S {\n  """Classify it.\n  in a: str\n}\n',
        "E004", 2, 3, 'this `"""` string is never closed', 'end it with `"""`',
    ),
    (
        "`->` missing in a string signature",
        'signature QA = "question, context"\n',
        "E007", 1, 17, "needs `->` between its inputs and its outputs", "question: str",
    ),
    (
        "bad type in a string signature",
        'signature QA = "question -> answers: list[str"\n',
        "E007", 1, 46, "expected `]`, found the end of the string", None,
    ),
    (
        "comment sign in a string signature",
        'signature QA = "question -> answer # the reply"\n',
        "E007", 1, 36, "cannot contain `#`", None,
    ),
    (
        "stray character in a string signature",
        'signature QA = "question -> answer!"\n',
        "E007", 1, 35, "unexpected character `!` in this string signature", None,
    ),
    ("stray character", 'lm a = "m" @\n', "E001", 1, 12, "unexpected character `@`", None),
    ("single quotes", "lm a = 'm'\n", "E001", 1, 8, "unexpected character `'`", "double quotes"),
    ("C comment", PROGRAM.format("  x = a // b"), "E001", 2, 9, "unexpected character `/`", "comments start with `#`"),
    (
        "program without outputs",
        "program p(q: str) {\n}\n",
        "E002", 1, 19, "a program declares its outputs after its inputs: expected `->`, found `{`", "-> (answer: str)",
    ),
    (
        "program without outputs, its brace on the next line",
        "program p(q: str)\n{\n}\n",
        "E002", 1, 18, "expected `->`, found the end of the line", "name them after an arrow",
    ),
    (
        "a file cut off after closed brackets",
        "program p(q: str) -> (a: str)",
        "E003", 1, 30, "unexpected end of file; expected `{`", None,
    ),
    (
        "a file cut off inside a call after a closed list",
        "program p(q: str) -> (a: str) {\n  x = f(a, [1, 2]",
        "E003", 2, 18, "the `(` on line 2 is never closed", None,
    ),
    ("accented name", "enum Étiquette { a }\n", "E001", 1, 6, "unexpected character `É`", "ASCII letters, digits and `_`"),
    ("accent inside a name", PROGRAM.format("  résumé = a"), "E001", 2, 4, "unexpected character `é`", "ASCII letters"),
    ("another script's digit", "enum E { a٣ }\n", "E001", 1, 11, "unexpected character `٣`", "ASCII letters"),
    (
        "keyword used as a declaration name",
        "program type(a: str) -> (b: str) {}\n",
        "E008", 1, 9, "`type` is a keyword and cannot be used as a name", "`type_`",
    ),
    (
        "keyword assigned to",
        PROGRAM.format("  for = 3"),
        "E008", 2, 3, "`for` is a keyword and cannot be assigned to", "`for_`",
    ),
    (
        "keyword as a field name",
        "type Paper {\n  type: str\n}\n",
        "E008", 2, 3, "`type` is a keyword and cannot be used as a name", None,
    ),
    (
        "missing separator between option entries",
        'lm a = "m" { temperature: 0.5 max_tokens: 3 }\n',
        "E002", 1, 31, "expected `,` or a new line, found the name `max_tokens`", "separate entries",
    ),
    (
        "colon in a call",
        PROGRAM.format("  x = f(a, k: 1)"),
        "E002", 2, 13, "a call's keyword arguments use `=`, not `:`", "write `k=...`",
    ),
    (
        "equals in an option block",
        'lm a = "m" {\n  temperature = 0.5\n}\n',
        "E002", 2, 15, "an option is written `key: value`", "write `temperature: ...`",
    ),
    (
        "signature field without direction",
        "signature S {\n  question: str\n}\n",
        "E002", 2, 3, "a signature field starts with `in` or `out`", "`in question: ...`",
    ),
    (
        "parameter without type",
        "program p(question) -> (b: str) {}\n",
        "E002", 1, 19, "a parameter needs a type", "`question: str`",
    ),
    (
        "enum member as a default, written as in Python",
        "enum Mood { calm, angry }\nprogram p(m: str, mood: Mood = Mood.calm) -> (b: str) {}\n",
        "E002", 2, 32, "a default is a literal", '`= "calm"`',
    ),
    (
        "a bare name as a tool parameter's default",
        'tool t(a: str = hello) -> str = python "m:f"\n',
        "E002", 1, 17, "not `hello`", "in quotes",
    ),
    ("chained comparison", PROGRAM.format("  if a < b < c { }"), "E002", 2, 12, "comparisons do not chain", None),
    ("assignment as condition", PROGRAM.format("  if a = b { }"), "E002", 2, 8, "a condition compares with `==`", None),
    ("method call", PROGRAM.format("  x = a.b(c)"), "E002", 2, 10, "only a name can be called", None),
    (
        "two declarations on one line",
        'lm a = "m" lm b = "n"\n',
        "E002", 1, 12, "found the keyword `lm`", None,
    ),
    (
        "brace on the next line",
        "program p(a: str) -> (b: str)\n{\n}\n",
        "E002", 1, 30, "expected `{`, found the end of the line", "same line",
    ),
    (
        "statement at the top level",
        "return x\n",
        "E002", 1, 1, "expected a declaration (`lm`, `signature`, `program`, ...)", None,
    ),
    ("truncated expression", PROGRAM.format("  x = 1 +"), "E002", 3, 1, "expected an expression, found `}`", None),
    ("two statements on one line", PROGRAM.format("  x = 1 y = 2"), "E002", 2, 9, "found the name `y`", None),
    ("bad escape", 'lm a = "a\\qb"\n', "E005", 1, 10, "unknown escape `\\q`", "\\uXXXX"),
    ("NUL character", 'lm a = "m"\x00\n', "E006", 1, 11, "NUL character", None),
    ("undecodable byte", 'lm a = "\udcff"\n', "E006", 1, 9, "not valid UTF-8", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text", "code", "line", "col", "message", "help"), MISTAKES, ids=[m[0] for m in MISTAKES]
)
def test_typical_mistakes(name: str, text: str, code: str, line: int, col: int, message: str, help: str | None) -> None:
    diagnostic = one_error(text)
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.col) == (code, line, col)
    assert message in diagnostic.message
    if help is not None:
        assert diagnostic.help is not None and help in diagnostic.help
    assert f"e.lmp:{line}:{col}: error[{code}]: " in render(diagnostic, text)


def test_syntax_errors_give_no_source_file() -> None:
    source, diagnostics = parse('lm a = "m" @\n', "e.lmp")
    assert source is None and diagnostics


def test_lexical_errors_keep_the_source_file() -> None:
    source, diagnostics = parse('lm a = "a\\qb"\n', "e.lmp")
    assert source is not None and [d.code for d in diagnostics] == ["E005"]
    assert source.decls[0].model == "a\\qb"


def test_string_signature_with_bad_escape_gives_no_source_file() -> None:
    source, diagnostics = parse('signature S = "a\\q -> b"\n', "e.lmp")
    assert source is None and [d.code for d in diagnostics] == ["E005"]


def test_every_broken_declaration_is_reported_once() -> None:
    text = (
        'lm ok = "m"\n'
        "enum E { a b }\n"  # 2
        "signature S {\n  in a: str\n}\n"
        "type T { x: }\n"  # 6
        'dataset d = "x" { limit: 1 }\n'
        'metric m = f1(answer\ndataset e = "y"\n'  # 8: runs into line 9
        "program p(a: str) -> (b: str) {\n  x = = 1\n  return a\n}\n"  # 11
        "evaluate p { dataset: d, }\n"
        "optimize p { seed: 1 2 }\n"  # 15
    )
    found = [(d.code, d.span.line) for d in errors(text)]
    assert found == [("E002", 2), ("E002", 6), ("E002", 9), ("E002", 11), ("E002", 15)]


def test_errors_in_escapes_and_syntax_are_reported_together() -> None:
    text = 'lm a = "\\q"\nenum E { a b }\nlm b = "\\u12"\n'
    assert sorted((d.code, d.span.line) for d in errors(text)) == [("E002", 2), ("E005", 1), ("E005", 3)]


def test_recovery_reads_a_docstring_that_holds_a_declaration_word() -> None:
    text = 'enum E { a b }\nsignature S {\n  """Doc.\ntype words at the start of a line.\n  """\n  in a: str\n}\n'
    assert [(d.code, d.span.line) for d in errors(text)] == [("E002", 1)]


def test_runs_of_bad_characters_are_one_diagnostic_each() -> None:
    text = 'lm a = "m"\x00\x00\x00\nlm b = "\udcff\udcfe"\n' + "\x00 " * 100
    found = [(d.code, d.span.line, d.span.col, d.span.end_col) for d in errors(text)]
    assert found[:2] == [("E006", 1, 11, 14), ("E006", 2, 9, 11)]
    assert len(found) == MAX_SYNTAX_ERRORS


def test_syntax_errors_stop_at_the_limit() -> None:
    text = "enum E { a b }\n" * (MAX_SYNTAX_ERRORS + 10)
    assert len(errors(text)) == MAX_SYNTAX_ERRORS


def test_recovery_reports_every_broken_declaration_before_good_ones() -> None:
    good = (DATA / "spec_example.lmp").read_text()
    text = "enum Broken { a b }\n" * 20 + good * 40
    found = errors(text)
    assert [d.span.line for d in found] == list(range(1, 21))


# ------------------------------------------------------------- never crashes


def _check_never_raises(text: str) -> None:
    source, diagnostics = parse(text, "f.lmp")
    assert source is not None or any(d.severity.value == "error" for d in diagnostics)
    line_count = text.count("\n") + 1
    for d in diagnostics:
        assert 1 <= d.span.line <= d.span.end_line <= line_count
        assert d.span.col >= 1 and d.span.end_col >= 1
        assert d.code.startswith("E00")
        render(d, text)


def _spec_text() -> str:
    return (DATA / "spec_example.lmp").read_text() + (DATA / "spec_multihop.lmp").read_text()


def test_every_truncation_of_the_multihop_program() -> None:
    text = (DATA / "spec_multihop.lmp").read_text()
    for end in range(len(text) + 1):
        _check_never_raises(text[:end])


def test_truncations_of_the_spec_example() -> None:
    text = _spec_text()
    for end in range(0, len(text) + 1, 11):
        _check_never_raises(text[:end])


ALPHABET = list('{}()[],:;=-+<>!."\\#\n\t ?|@\x00\x07\u00e9\udcffabcxyz019_') + [
    "lm ", "program ", "if ", "else ", '"""', "->", "in ", "out ", "module ", "repeat ", "return ",
    "signature ", "type ", "enum ", "metric ", "true", "none", "\r\n",
]  # fmt: skip


def test_random_garbage() -> None:
    rng = random.Random(1)
    for _ in range(400):
        _check_never_raises("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60))))


def test_random_bytes() -> None:
    rng = random.Random(2)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
        _check_never_raises(data.decode("utf-8", errors="surrogateescape"))
        _check_never_raises(data.decode("latin-1"))


def test_random_edits_of_a_valid_file() -> None:
    rng = random.Random(3)
    text = _spec_text()
    for _ in range(80):
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(chars))
            roll = rng.random()
            if roll < 0.4:
                del chars[at]
            elif roll < 0.8:
                chars.insert(at, rng.choice(ALPHABET))
            else:
                chars[at] = rng.choice(ALPHABET)
        _check_never_raises("".join(chars))


def test_blank_inputs() -> None:
    for text in ("", "\n", "\x00", "\ufeff", "#", '"', '"""', "{", "}", "\\", "\r", "lm"):
        _check_never_raises(text)


# ------------------------------------------------------------------- grammar


def test_grammar_is_lalr_without_conflicts() -> None:
    """What ``strict=True`` checks of the parser: no shift/reduce or reduce/reduce conflict."""
    # A fresh, uncached build: a parser loaded from Lark's cache keeps no grammar analysis.
    grammar = (resource_dir("grammar") / "lmp.lark").read_text()
    lark = Lark(grammar, parser="lalr", lexer="basic", maybe_placeholders=True, start=["file", "sig_string"])
    LALR_Analyzer(lark.parser.parser.parser_conf, strict=True).compute_lalr()


def test_grammar_loads_in_strict_mode() -> None:
    """``strict=True`` also checks that no two terminals can match the same text (needs interegular)."""
    pytest.importorskip("interegular")
    grammar = (resource_dir("grammar") / "lmp.lark").read_text()
    Lark(grammar, parser="lalr", lexer="basic", strict=True, start=["file", "sig_string"])


def test_every_recognised_mistake_has_a_parser_state() -> None:
    index = syntax_errors._mistake_index(parser())
    assert {m.entry for m in index.values()} == {m.entry for m in syntax_errors._MISTAKES}


# --------------------------------------------------------------------- speed


def generated_file(lines: int) -> str:
    """A realistic file of about ``lines`` lines: the spec example's declarations, renamed."""
    template = (DATA / "spec_example.lmp").read_text() + (DATA / "spec_multihop.lmp").read_text()
    parts = []
    count = 0
    i = 0
    while count < lines:
        parts.append(template.replace("classify", f"classify{i}").replace("multihop", f"multihop{i}"))
        count += template.count("\n")
        i += 1
    return "".join(parts)


def test_a_5000_line_file_parses() -> None:
    # Its speed is measured in bench/check_time.py, not here.
    source, diagnostics = parse(generated_file(5000), "big.lmp")
    assert source is not None and diagnostics == []
    assert len(source.decls) > 1000
