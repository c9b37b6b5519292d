"""Focused tests of each semantic check, on real parsed text.

The broken-file suite (``test_error_samples.py``) shows each code once; these
tests pin the behaviour around the edges: what must *not* be reported, flow
through branches and loops, spans, help texts, and data files.
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path

import pytest

import lmc.schemas.blocks
from lmc.checks import CHECKS, run_checks
from lmc.checks import datasets as datasets_check
from lmc.checks.context import NamedDecl, SymbolTable
from lmc.checks.pyrefs import module_exists
from lmc.diagnostics.core import Diagnostic, Severity
from lmc.ir import nodes as ir
from lmc.syntax.parse import parse

CLEAN = Path(__file__).resolve().parent / "data" / "check_clean"

SIG = """
signature Classify {
  in  sentence: str
  out sentiment: str
}
"""


def diagnose(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> list[Diagnostic]:
    """Write ``files`` next to a ``.lmp`` holding ``text``; parse (must be valid syntax) and check it."""
    for name, content in (files or {}).items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    path = tmp_path / "test.lmp"
    path.write_text(text, encoding="utf-8")
    source, syntax = parse(text, str(path))
    assert source is not None and not syntax, [d.message for d in syntax]
    return run_checks(source, tmp_path, strict=True)


def found(diags: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.col) for d in diags]


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def only(diags: list[Diagnostic], code: str) -> Diagnostic:
    matching = [d for d in diags if d.code == code]
    assert len(matching) == 1, [(d.code, d.message) for d in diags]
    return matching[0]


# ------------------------------------------------------------------ symbols


def test_the_named_declarations_are_those_that_bind_a_name() -> None:
    assert set(typing.get_args(NamedDecl)) == set(ir.DECL_KIND)


def test_the_symbol_table_holds_the_first_declaration_of_each_name() -> None:
    source, _ = parse('lm a = "x"\nlm a = "y"\nenum b { c }\n', "t.lmp")
    assert source is not None
    table = SymbolTable.build(source)
    assert dict(table.decls) == source.named()
    assert table.lookup("a", ir.LmDecl) is source.decls[0]
    assert table.lookup("a", ir.EnumDecl) is None and table.lookup("zz", ir.LmDecl) is None


# ------------------------------------------------------------------- clean


@pytest.mark.parametrize("name", ["spec.lmp", "rich.lmp"])
def test_clean_files_have_no_diagnostics(name: str) -> None:
    path = CLEAN / name
    text = path.read_text(encoding="utf-8")
    source, syntax = parse(text, str(path))
    assert source is not None and syntax == []
    assert run_checks(source, path.parent, strict=True) == []


def test_diagnostics_are_sorted_by_position(tmp_path: Path) -> None:
    diags = diagnose(tmp_path, 'lm b = "x" { tempreature: 1 }\nlm a = "x" { max_tokens: "2" }\nlm b = "y"\n')
    assert found(diags) == [("E401", 1, 14), ("E402", 2, 26), ("E101", 3, 4)]


def test_a_crashing_check_becomes_a_diagnostic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: object) -> None:
        raise KeyError("boom")

    source, _ = parse(SIG, "x.lmp")
    assert source is not None
    monkeypatch.setattr(lmc.checks, "CHECKS", (broken, *CHECKS))
    diags = run_checks(source, tmp_path)
    assert codes(diags) == ["E900"] and "KeyError" in diags[0].message
    with pytest.raises(KeyError):
        run_checks(source, tmp_path, strict=True)


# ------------------------------------------------------------------- names


def test_duplicate_points_at_the_second_and_names_the_first(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, SIG + "\nenum Classify { a }\n"), "E101")
    assert (d.span.line, d.span.col) == (7, 6)
    assert "line 2" in (d.help or "") and "a signature" in (d.help or "")


def test_wrong_kind_says_what_it_is_and_what_was_expected(tmp_path: Path) -> None:
    text = (
        SIG
        + """
metric accuracy = exact_match(sentiment)
program p(sentence: str) -> (sentiment: str) {
  module m = Predict(accuracy)
  return m(sentence=sentence)
}
"""
    )
    d = only(diagnose(tmp_path, text), "E106")
    assert d.message == "`accuracy` is a metric, but a signature is expected here"


def test_unknown_type_suggests_scalars_and_declared_types(tmp_path: Path) -> None:
    text = "enum Mood { up, down }\nsignature S {\n  in a: string\n  out b: Mod\n}\n"
    diags = diagnose(tmp_path, text)
    assert [(d.code, d.help) for d in diags] == [
        ("E102", "did you mean `str`?"),
        ("E102", "did you mean `Mood`?"),
    ]


def test_a_signature_is_not_a_type(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, SIG + "type T { s: Classify }\n"), "E106")
    assert "a type is expected" in d.message


def test_builtin_names_cannot_be_declared(tmp_path: Path) -> None:
    text = 'enum str { a }\nsignature len = "a -> b"\nsignature S {\n  in None: str\n  out b: str\n}\n'
    diags = diagnose(tmp_path, text)
    assert found(diags) == [("E107", 1, 6), ("E107", 2, 11), ("E107", 4, 6)]


def test_unknown_names_in_optimize_and_metric(tmp_path: Path) -> None:
    text = (
        SIG
        + """
metric m = judge(Clasify)
evaluate clasify { metric: m, dataset: d }
"""
    )
    diags = diagnose(tmp_path, text)
    assert ("E102", "did you mean `Classify`?") in [(d.code, d.help) for d in diags]
    assert any(d.code == "E102" and d.message == "unknown program `clasify`" for d in diags)


# ------------------------------------------------------------------- types


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ("type A { a: A }", [("E206", 1, 13)]),
        ("type A { a: A? }", []),
        ("type A { a: list[A] }", []),
        ("type A { a: dict[str, A] }", []),
        ("type A { b: B }\ntype B { c: C }\ntype C { a: A }", [("E206", 1, 13)]),
        ("type A { b: B }\ntype B { b: B? }", []),
    ],
)
def test_recursive_records(tmp_path: Path, records: str, expected: list[tuple[str, int, int]]) -> None:
    assert found(diagnose(tmp_path, records + "\n")) == expected


def test_string_signature_fields_are_checked(tmp_path: Path) -> None:
    diags = diagnose(tmp_path, 'signature S = "q, q: int -> a: Answr"\n')
    assert codes(diags) == ["E202", "E102"]
    assert diags[0].span.col == 19


def test_parameter_defaults_must_fit(tmp_path: Path) -> None:
    text = """
enum Mode { fast, slow }
tool t(a: int = 1.5, b: float = 2, c: Mode = "fast", d: Mode = "quick", e: str? = none, f: "x" | "y" = "z") -> str = python "tools:t"
"""
    diags = diagnose(tmp_path, text, {"tools.py": "def t(**kwargs): ...\n"})
    assert [d.message for d in diags] == [
        "the default of `a` is not an integer",
        'the default of `d` is not one of "fast", "slow"',
        'the default of `f` is not one of "x", "y"',
    ]


def test_literal_union_duplicates_warn(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, 'signature S {\n  in a: str\n  out b: "x" | "y" | "x"\n}\n'), "E208")
    assert d.severity is Severity.WARNING


def every_type_place(t: str) -> str:
    """A file that writes the type expression ``t`` in every place a type goes, one declaration a line."""
    return (
        f"type R {{ f: {t} }}\n"
        f"signature S {{ in a: str, out b: {t} }}\n"
        f'tool t(q: {t}) -> {t} = python "tools:t"\n'
        f"program p(a: {t}) -> (b: {t}) {{ return {{ b: a }} }}\n"
    )


def test_type_expressions_are_checked_in_every_place_and_at_any_depth(tmp_path: Path) -> None:
    diags = diagnose(tmp_path, every_type_place('list[dict[str, dict[int, "x" | "x"]?]]'))
    assert [line for code, line, _ in found(diags) if code == "E205"] == [1, 2, 3, 3, 4, 4]
    assert [line for code, line, _ in found(diags) if code == "E208"] == [1, 2, 3, 3, 4, 4]


def test_type_names_are_resolved_in_every_place_and_at_any_depth(tmp_path: Path) -> None:
    diags = diagnose(tmp_path, every_type_place("list[dict[str, list[Gone?]]]"))
    assert [(d.span.line, d.message) for d in diags if d.code == "E102"] == [
        (n, "unknown type `Gone`") for n in (1, 2, 3, 3, 4, 4)
    ]


# ----------------------------------------------------------------- options


def test_wrong_option_type_message(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, 'lm default = "x" { max_tokens: "256" }\n'), "E402")
    assert d.message == "`max_tokens` expects an integer, got a string"
    assert d.help == "write the number without quotes: `256`"


@pytest.mark.parametrize(
    "options",
    [
        'temperature: 1, top_p: 0, stop: "x"',
        'stop: ["a", "b"], timeout: 2.5, num_retries: 0',
        "max_tokens: none, cache: false",
    ],
)
def test_valid_lm_options(tmp_path: Path, options: str) -> None:
    assert diagnose(tmp_path, f'lm default = "x" {{ {options} }}\n') == []


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        ("stop: [1]", "E402", "`stop` expects a string, got an integer"),
        ("stop: 1", "E402", "`stop` expects a string or a list of strings, got an integer"),
        ("timeout: 0", "E404", "`timeout` must be greater than 0, got 0"),
        ("cache: none", "E402", "`cache` expects a boolean, got `none`"),
        ("api_base: localhost", "E402", "`api_base` expects a string, got the name `localhost`"),
        ('api_key_env: "MY KEY"', "E405", "must name an environment variable"),
    ],
)
def test_invalid_lm_options(tmp_path: Path, options: str, code: str, message: str) -> None:
    d = only(diagnose(tmp_path, f'lm default = "x" {{ {options} }}\n'), code)
    assert message in d.message


def test_option_references_are_resolved(tmp_path: Path) -> None:
    text = (
        SIG
        + """
program p(sentence: str) -> (sentiment: str) {
  module m = ReAct(Classify, tools: [Classify, nope])
  return m(sentence=sentence)
}
"""
    )
    diags = diagnose(tmp_path, text)
    assert [(d.code, d.span.col) for d in diags] == [("E106", 38), ("E102", 48)]


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        ("BootstrapFewShot", []),
        ("[LabeledFewShot, COPRO { breadth: 3 }]", []),
        ("KNNFewShot", ["E403"]),
        ("COPRO { breadth: 1 }", ["E404"]),
        ('MIPROv2 { auto: "havy" }', ["E404"]),
        ("MIPROv2 { auto: none, num_trials: 3, minibatch: false }", ["E403"]),
        ("MIPROv2 { auto: none, num_trials: 3, num_candidates: 2, minibatch: false }", []),
        ("[BootstrapFewShot, Bootstrap]", ["E104"]),
        ("[]", ["E404"]),
        ('"BootstrapFewShot"', ["E402"]),
        ("[BootstrapFewShotWithRandomSearch, Ensemble { reduce_fn: majority }]", []),
        ("[BootstrapFewShotWithRandomSearch, Ensemble { reduce_fn: minority }]", ["E404"]),
        ("Ensemble { size: 2 }", ["E407"]),
        ("[MIPROv2, Ensemble]", ["E407"]),
        ("LabeledFewShot { k: 2, k: 3 }", ["E406"]),
    ],
)
def test_optimizer_values(tmp_path: Path, optimizer: str, expected: list[str]) -> None:
    text = (
        SIG
        + f"""
program p(sentence: str) -> (sentiment: str) {{
  module m = Predict(Classify)
  return m(sentence=sentence)
}}
metric acc = exact_match(sentiment)
dataset train = "train.jsonl" {{ inputs: [sentence] }}
optimize p {{ optimizer: {optimizer}, metric: acc, trainset: train }}
"""
    )
    files = {"train.jsonl": '{"sentence": "s", "sentiment": "x"}\n' * 3}
    assert codes(diagnose(tmp_path, text, files)) == expected


def test_missing_required_options_point_at_the_block_owner(tmp_path: Path) -> None:
    diags = diagnose(tmp_path, SIG + '\ndataset d = "d.jsonl"\n', {"d.jsonl": '{"a": 1}\n'})
    d = only(diags, "E403")
    assert (d.span.line, d.span.col) == (7, 9)
    assert d.message == "dataset `d` needs the option `inputs`"


def test_unknown_option_without_close_match_lists_the_valid_ones(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, 'retriever r = bm25 "c.jsonl" { zzz: 1 }\n', {"c.jsonl": '{"text": "t"}\n'}), "E401")
    assert d.help == "valid options: `text_field`, `k`"


# ---------------------------------------------------------------- programs


def program(body: str, params: str = "sentence: str", outputs: str = "sentiment: str") -> str:
    return SIG + f"program p({params}) -> ({outputs}) {{\n  module m = Predict(Classify)\n{body}\n}}\n"


def test_nested_statements_are_seen_at_any_depth(tmp_path: Path) -> None:
    """A loop variable and a return three blocks deep count as the body's."""
    body = (
        "  repeat 2 {\n"
        '    if sentence == "" {\n'
        "      for len in [sentence] { s = len }\n"
        "      return m(sentence=sentence)\n"
        "    }\n"
        "  }"
    )
    diags = diagnose(tmp_path, program(body))
    assert [(d.code, d.span.line, d.message) for d in diags] == [
        ("E305", 6, "program `p` can reach its end without returning its outputs"),
        ("E107", 10, "`len` is the name of a built-in function and cannot be reused"),
    ]


def test_assigned_in_both_branches_is_definite(tmp_path: Path) -> None:
    body = '  if sentence == "" { s = "empty" } else { s = sentence }\n  return m(sentence=s)'
    assert diagnose(tmp_path, program(body)) == []


def test_a_branch_that_returns_does_not_leave_a_gap(tmp_path: Path) -> None:
    body = '  if sentence == "" { return m(sentence="none") }\n  else { s = sentence }\n  return m(sentence=s)'
    assert diagnose(tmp_path, program(body)) == []


def test_loop_variables_and_for_bodies_may_not_run(tmp_path: Path) -> None:
    body = "  for w in [sentence] { last = w }\n  return m(sentence=last + w)"
    diags = diagnose(tmp_path, program(body))
    assert [(d.code, d.message.split(" ")[0]) for d in diags] == [("E304", "`last`"), ("E304", "`w`")]
    assert all("possibly unassigned" in d.message for d in diags)


def test_repeat_bodies_run_at_least_once(tmp_path: Path) -> None:
    body = "  repeat 2 { s = sentence }\n  return m(sentence=s)"
    assert diagnose(tmp_path, program(body)) == []


def test_each_unassigned_name_is_reported_once(tmp_path: Path) -> None:
    body = "  a = x + x\n  x = sentence\n  return m(sentence=a)"
    assert found(diagnose(tmp_path, program(body))) == [("E304", 8, 7)]


def test_never_assigned_name_is_unknown(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, program("  return m(sentence=sentnce)")), "E102")
    assert d.help == "did you mean `sentence`?"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("m(sentence=sentence)", []),
        ("m(sentence=sentence, sentence=sentence)", ["E302"]),
        ("m(sentense=sentence)", ["E302"]),
        ("m()", ["E301"]),
        ("m(sentence)", ["E303"]),
        ("m(sentence, sentence=sentence)", ["E303", "E302"]),
    ],
)
def test_module_call_arguments(tmp_path: Path, call: str, expected: list[str]) -> None:
    assert codes(diagnose(tmp_path, program(f"  return {call}"))) == expected


def test_programs_tools_and_retrievers_calls(tmp_path: Path) -> None:
    text = (
        program(
            "  a = helper(text=sentence, extra=1)\n"
            "  b = look(sentence, 2, 3)\n"
            "  c = wiki(sentence, k=2)\n"
            "  d = wiki()\n"
            "  return m(sentence=a.result + b + c + d)"
        )
        + """
program helper(text: str, mode: str = "x") -> (result: str) {
  return { result: text }
}
tool look(query: str, k: int = 3) -> list[str] = python "tools:look"
retriever wiki = bm25 "c.jsonl"
"""
    )
    diags = diagnose(tmp_path, text, {"c.jsonl": '{"text": "t"}\n', "tools.py": "def look(query, k=3): ...\n"})
    assert [(d.code, d.span.line, d.span.col) for d in diags] == [("E302", 8, 29), ("E308", 9, 25), ("E301", 11, 7)]


def test_attributes_of_predictions_and_records(tmp_path: Path) -> None:
    text = (
        SIG
        + """
type Doc { title: str, meta: Meta }
type Meta { year: int }
signature Find {
  in q: str
  out doc: Doc
}
program p(sentence: str, d: Doc) -> (sentiment: str) {
  module m = ChainOfThought(Classify)
  module f = Predict(Find)
  why = m(sentence=sentence).reasoning
  year = f(q=sentence).doc.meta.year
  bad = f(q=sentence).doc.meta.yeer
  also = d.titel
  size = sentence.length
  return m(sentence=why)
}
"""
    )
    diags = diagnose(tmp_path, text)
    assert [(d.code, d.message) for d in diags] == [
        ("E306", "`yeer` is not a field of type `Meta`"),
        ("E306", "`titel` is not a field of type `Doc`"),
        ("E306", "a `str` value has no fields, so `.length` cannot be read"),
    ]


def test_enum_members(tmp_path: Path) -> None:
    text = "enum Mood { up, down }\n" + program(
        "  if sentence == Mood.up or sentence == Mood.dwn { return m(sentence=sentence) }\n  return m(sentence=sentence)"
    )
    d = only(diagnose(tmp_path, text), "E102")
    assert d.message == "enum `Mood` has no member `dwn`" and d.help == "did you mean `down`?"


@pytest.mark.parametrize(
    ("ret", "expected"),
    [
        ("return r", []),
        ("return m(sentence=r.sentiment)", []),
        ("return { sentiment: r.sentiment }", []),
        ("return { sentiment: r.sentiment, extra: 1 }", ["E309"]),
        ("return {}", ["E305"]),
        ('return "positive"', ["E305"]),
        ("return r.sentiment", ["E305"]),
        ("r", ["E305"]),
    ],
)
def test_returns(tmp_path: Path, ret: str, expected: list[str]) -> None:
    assert codes(diagnose(tmp_path, program(f"  r = m(sentence=sentence)\n  {ret}"))) == expected


def test_no_return_at_all(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, program("  x = m(sentence=sentence)")), "E305")
    assert d.message == "program `p` never returns its outputs"


def test_self_recursion_is_reported_once(tmp_path: Path) -> None:
    diags = diagnose(tmp_path, program("  return p(sentence=sentence)").replace("  module m = Predict(Classify)\n", ""))
    assert found(diags) == [("E307", 7, 10)]


def test_local_names(tmp_path: Path) -> None:
    text = program(
        "  module m = Predict(Classify)\n  m = sentence\n  len = 1\n  Classify = 2\n  return m(sentence=sentence)"
    )
    assert codes(diagnose(tmp_path, text)) == ["E101", "E101", "E107", "E108"]


def test_what_can_be_called_and_used_as_values(tmp_path: Path) -> None:
    body = "  a = sentence(x=1)\n  b = Classify(sentence=sentence)\n  c = m\n  return m(sentence=sentence)"
    diags = diagnose(tmp_path, program(body))
    assert [(d.code, d.span.line) for d in diags] == [("E106", 8), ("E106", 9), ("E106", 10)]
    assert "module m = Predict(Classify)" in (diags[1].help or "")


def test_unused_module_and_unreachable_code_are_warnings(tmp_path: Path) -> None:
    body = "  module unused = Predict(Classify)\n  return m(sentence=sentence)\n  x = 1"
    diags = diagnose(tmp_path, program(body))
    assert [(d.code, d.severity) for d in diags] == [("E312", Severity.WARNING), ("E311", Severity.WARNING)]


# ----------------------------------------------------------------- metrics


def test_a_reward_must_be_a_python_metric(tmp_path: Path) -> None:
    text = (
        SIG
        + """
metric em = exact_match(sentiment)
metric mine = python "os:getcwd"
program p(sentence: str) -> (sentiment: str) {
  module m = BestOfN(Classify, n: 2, reward: em)
  module r = Refine(Classify, n: 2, reward: mine)
  x = r(sentence=sentence)
  return m(sentence=x.sentiment)
}
"""
    )
    d = only(diagnose(tmp_path, text), "E512")
    assert d.message == (
        "metric `em` cannot be the reward of module `m`: `exact_match` compares with a gold answer, "
        "which a program does not have when it runs"
    )


def test_judge_accepts_one_float_output(tmp_path: Path) -> None:
    text = "signature J {\n  in a: str\n  out score: float\n}\nmetric j = judge(J)\n"
    assert diagnose(tmp_path, text) == []


# ---------------------------------------------------------------- datasets

DATA_PROGRAM = program("  return m(sentence=sentence)") + "metric acc = exact_match(sentiment)\n"


def test_paths_resolve_against_the_file_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path.parent)
    text = DATA_PROGRAM + 'dataset d = "sub/d.jsonl" { inputs: [sentence] }\nevaluate p { metric: acc, dataset: d }\n'
    assert diagnose(tmp_path, text, {"sub/d.jsonl": '{"sentence": "s", "sentiment": "x"}\n'}) == []


def test_missing_file_help_shows_the_resolved_path(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, 'dataset d = "nope.jsonl" { inputs: [a] }\n'), "E502")
    assert str((tmp_path / "nope.jsonl").resolve()) in (d.help or "")
    assert (d.span.line, d.span.col, d.span.end_col) == (1, 13, 25)


@pytest.mark.parametrize(
    ("written", "present", "meant"),
    [
        ("request.jsonl", "requests.jsonl", "requests.jsonl"),
        ("sub/train-rows.csv", "sub/train_rows.csv", "sub/train_rows.csv"),
        ("Rows.json", "rows.json", "rows.json"),
    ],
)
def test_a_missing_file_names_the_near_one_beside_it(tmp_path: Path, written: str, present: str, meant: str) -> None:
    """A newcomer's slip in a data file's name: the help names the file they meant, in the source's terms."""
    d = only(diagnose(tmp_path, f'dataset d = "{written}" {{ inputs: [a] }}\n', {present: '{"a": "x"}\n'}), "E502")
    assert d.help == f"did you mean `{meant}`? (looked for {(tmp_path / written).resolve()})"


@pytest.mark.parametrize("present", ["other.jsonl", "train.jsonl", "request.txt", "requests.jsonl/"])
def test_a_missing_file_with_nothing_near_keeps_the_plain_help(tmp_path: Path, present: str) -> None:
    """No name close enough, a close name of a format no dataset reads, or a folder: where it looked, no guess."""
    files = {} if present.endswith("/") else {present: "x"}
    if present.endswith("/"):
        (tmp_path / present).mkdir()
    d = only(diagnose(tmp_path, 'dataset d = "request.jsonl" { inputs: [a] }\n', files), "E502")
    assert (d.help or "").startswith("looked for ")


@pytest.mark.parametrize(
    ("name", "content", "help"),
    [
        ("d.jsonl", '{"sentence": "a"}\n[1]\n', "fix line 2 of d.jsonl"),
        ("d.json", '{"sentence": "a"}', "fix d.json"),
        ("d.json", '[{"sentence": "a"}, 3]', "fix row 2 of d.json"),
        ("d.csv", "sentence,sentence\na,b\n", "fix line 1 of d.csv"),
        ("d.csv", "", "fix d.csv"),
    ],
)
def test_malformed_data(tmp_path: Path, name: str, content: str, help: str) -> None:
    d = only(diagnose(tmp_path, f'dataset d = "{name}" {{ inputs: [sentence] }}\n', {name: content}), "E503")
    assert d.help == help


def test_fields_must_be_in_every_row_unless_limited(tmp_path: Path) -> None:
    rows = '{"sentence": "a", "sentiment": "x"}\n{"sentence": "b"}\n'
    use = "evaluate p { metric: acc, dataset: d }\n"
    limited = DATA_PROGRAM + 'dataset d = "d.jsonl" { inputs: [sentence], limit: 1 }\n' + use
    assert diagnose(tmp_path, limited, {"d.jsonl": rows}) == []
    whole = DATA_PROGRAM + 'dataset d = "d.jsonl" { inputs: [sentence] }\n' + use
    d = only(
        diagnose(tmp_path, whole, {"d.jsonl": rows}), "E519"
    )  # some rows have it: a warning naming the first without
    assert d.message == "dataset `d` (d.jsonl): line 2 has no `sentiment`, which metric `acc` compares"
    assert d.severity.value == "warning"
    none = '{"sentence": "a"}\n{"sentence": "b"}\n'
    d = only(diagnose(tmp_path, whole, {"d.jsonl": none}), "E505")  # no row has it: an error
    assert d.message == "dataset `d` has no field `sentiment`, which metric `acc` compares"


def test_csv_fields_come_from_the_header(tmp_path: Path) -> None:
    text = DATA_PROGRAM + 'dataset d = "d.csv" { inputs: [text] }\nevaluate p { metric: acc, dataset: d }\n'
    diags = diagnose(tmp_path, text, {"d.csv": "text,sentiment\na,x\n"})
    assert [(d.code, d.span.line, d.span.col) for d in diags] == [("E504", 12, 36), ("E510", 12, 36)]
    assert [d.message for d in diags] == [
        "dataset `d` has no field `sentence` needed by program `p`",
        "dataset `d` lists `text` in `inputs`, but program `p` has no such parameter",
    ]


def test_corpus_text_field(tmp_path: Path) -> None:
    diags = diagnose(tmp_path, 'retriever r = bm25 "c.jsonl"\n', {"c.jsonl": '{"body": "t"}\n'})
    assert only(diags, "E504").help == "set `text_field` to one of `body`"
    assert diagnose(tmp_path, 'retriever r = bm25 "c.jsonl" { text_field: "body" }\n') == []


def test_large_files_are_only_checked_for_existence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets_check, "MAX_BYTES", 10)
    text = DATA_PROGRAM + 'dataset d = "d.jsonl" { inputs: [sentence] }\nevaluate p { metric: acc, dataset: d }\n'
    assert diagnose(tmp_path, text, {"d.jsonl": "not json at all, and long\n"}) == []


# ----------------------------------------------------------------- pyrefs


PYREF_FILES = {
    "helpers.py": "import json\nfrom os import path as p\n\ndef fn(): ...\ndef search(): ...\nclass Tool: ...\nLIMIT = 3\nalias = fn\n",
    "pkg/__init__.py": "",
    "pkg/sub.py": "def fn(): ...\n",
    "broken.py": "def fn(:\n",
    "needy.py": "import json\nimport no_such_dependency_here\nfrom also_missing.sub import x\n\ndef fn(): ...\n",
    "guarded.py": "try:\n    import no_such_dependency_here\nexcept ImportError:\n    pass\n\ndef fn(): ...\n",
}


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("helpers:fn", []),
        ("helpers:Tool", []),
        ("helpers:alias", []),
        ("helpers:json", []),  # an imported module is a name of the module
        ("pkg.sub:fn", []),
        ("guarded:fn", []),  # an import inside try: the module handles its absence
        ("helpers:fm", ["E517"]),
        ("helpers:LIMIT", ["E517"]),
        ("broken:fn", ["E516"]),
        ("needy:fn", ["E518", "E518"]),
        ("json:dumps", ["E515"]),  # a tool ships in the package: its module must be beside the file
        ("pkg.nothing:fn", ["E515"]),
        ("helpers.fn", ["E506"]),
        ("helpers:", ["E506"]),
        ("help ers:fn", ["E506"]),
        (":fn", ["E506"]),
    ],
)
def test_python_refs_of_tools(tmp_path: Path, ref: str, expected: list[str]) -> None:
    assert codes(diagnose(tmp_path, f'tool t(a: str) -> str = python "{ref}"\n', PYREF_FILES)) == expected


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("json:dumps", []),  # a metric runs where lmc runs: the standard library and installed modules are fine
        ("os.path:join", []),
        ("sys:exit", []),
        ("helpers:fn", []),
        ("helpers:nope", ["E517"]),
        ("pkg.nothing:fn", ["E507"]),
        ("json.nothing:fn", ["E507"]),
        ("helperz:fn", ["E507"]),
    ],
)
def test_python_refs_of_metrics(tmp_path: Path, ref: str, expected: list[str]) -> None:
    assert codes(diagnose(tmp_path, f'metric m = python "{ref}"\n', PYREF_FILES)) == expected


def test_python_ref_diagnostics_say_where_and_suggest(tmp_path: Path) -> None:
    text = 'tool t(a: str) -> str = python "helpers:serach"\nmetric m = python "helperz:fn"\ntool u(a: str) -> str = python "needy:fn"\n'
    diags = diagnose(tmp_path, text, PYREF_FILES)
    assert [(d.code, d.span.line, d.message, d.help) for d in diags] == [
        ("E517", 1, "tool `t`: `helpers.py` defines no `serach`", "did you mean `search`?"),
        ("E507", 2, "metric `m`: Python module `helperz` cannot be found", "did you mean `helpers`?"),
        (
            "E518",
            3,
            "tool `u`: `needy.py` imports `no_such_dependency_here` (line 2), which cannot be found",
            "install `no_such_dependency_here` where lmc runs (and the package, where it runs), or remove the import",
        ),
        (
            "E518",
            3,
            "tool `u`: `needy.py` imports `also_missing.sub` (line 3), which cannot be found",
            "install `also_missing.sub` where lmc runs (and the package, where it runs), or remove the import",
        ),
    ]


def test_a_reward_metric_ships_so_its_module_must_be_beside_the_file(tmp_path: Path) -> None:
    text = """
signature S { in q: str
  out a: str }
metric short = python "json:dumps"
program p(q: str) -> (a: str) {
  module m = BestOfN(S, n: 2, reward: short)
  return m(q=q)
}
"""
    assert "E515" in codes(diagnose(tmp_path, text, PYREF_FILES))


def test_finding_a_module_does_not_import_it(tmp_path: Path) -> None:
    (tmp_path / "explosive").mkdir()
    (tmp_path / "explosive" / "__init__.py").write_text("raise RuntimeError('imported')\n")
    (tmp_path / "explosive" / "inner.py").write_text("raise RuntimeError('imported')\n")
    assert module_exists("explosive.inner", tmp_path)
    assert "explosive" not in sys.modules and "explosive.inner" not in sys.modules


def test_empty_enum(tmp_path: Path) -> None:
    assert found(diagnose(tmp_path, "enum Empty { }\n")) == [("E207", 1, 6)]


def test_a_loop_reading_what_its_previous_round_assigned(tmp_path: Path) -> None:
    body = "  repeat 2 {\n    s = sentence + prev\n    prev = s\n  }\n  return m(sentence=s)"
    d = only(diagnose(tmp_path, program(body)), "E304")
    assert (d.span.line, d.span.col) == (9, 20) and "first round" in d.message
    fixed = '  prev = ""\n' + body
    assert diagnose(tmp_path, program(fixed)) == []


# ------------------------------------------------- data sizes and settings


def rows(n: int) -> str:
    return "".join(f'{{"sentence": "s{i}", "sentiment": "x"}}\n' for i in range(n))


def optimize_text(optimizer: str, *, train: str = "train.jsonl", valset: str | None = None, limit: str = "") -> str:
    text = DATA_PROGRAM + f'dataset train = "{train}" {{ inputs: [sentence]{limit} }}\n'
    if valset is not None:
        text += f'dataset dev = "{valset}" {{ inputs: [sentence] }}\n'
    use = ", valset: dev" if valset is not None else ""
    return text + f"optimize p {{ optimizer: {optimizer}, metric: acc, trainset: train{use} }}\n"


@pytest.mark.parametrize(("name", "content"), [("e.jsonl", ""), ("e.json", "[]"), ("e.csv", "sentence,sentiment\n")])
def test_an_empty_dataset_is_reported_at_each_use(tmp_path: Path, name: str, content: str) -> None:
    text = (
        DATA_PROGRAM
        + f'dataset e = "{name}" {{ inputs: [sentence] }}\n'
        + "optimize p { optimizer: BootstrapFewShot { max_labeled_demos: 4 }, metric: acc, trainset: e, valset: e }\n"
        + "evaluate p { metric: acc, dataset: e }\n"
    )
    diags = diagnose(tmp_path, text, {name: content})
    # One error per use, and nothing else: no field (E504/E505) or size (E408) diagnostics follow from it.
    assert found(diags) == [("E513", 12, 91), ("E513", 12, 102), ("E513", 13, 36)]
    assert [d.message for d in diags] == [
        "dataset `e` has no rows to train on",
        "dataset `e` has no rows to score candidates on",
        "dataset `e` has no rows to evaluate on",
    ]
    assert diags[0].help == f"add examples to {name}, or use another dataset"


def test_an_unused_empty_dataset_is_not_reported(tmp_path: Path) -> None:
    assert diagnose(tmp_path, 'dataset e = "e.jsonl" { inputs: [sentence] }\n', {"e.jsonl": "\n"}) == []


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        # Counts up to the trainset's rows, and the defaults, say nothing.
        ("[LabeledFewShot { k: 3 }, BootstrapFewShot, KNNFewShot { k: 3 }, MIPROv2 { max_labeled_demos: 3 }]", []),
        ("LabeledFewShot { k: 4 }", [("E408", "`k` asks for 4 demos, but trainset `train` has 3 rows")]),
        (
            "BootstrapFewShotWithRandomSearch { max_bootstrapped_demos: 5, max_labeled_demos: 9 }",
            [("E408", "`max_bootstrapped_demos` asks for 5 demos"), ("E408", "`max_labeled_demos` asks for 9 demos")],
        ),
        ("KNNFewShot { k: 7 }", [("E408", "`k` asks for the 7 nearest examples, but trainset `train` has 3 rows")]),
        ("[BootstrapFewShot, MIPROv2 { max_bootstrapped_demos: 6 }]", [("E408", "`max_bootstrapped_demos`")]),
        ("LabeledFewShot { k: 4.5 }", [("E402", "`k` expects an integer")]),
    ],
)
def test_demo_counts_above_the_trainset_warn(tmp_path: Path, optimizer: str, expected: list[tuple[str, str]]) -> None:
    diags = diagnose(tmp_path, optimize_text(optimizer), {"train.jsonl": rows(3)})
    assert [d.code for d in diags] == [code for code, _ in expected]
    for d, (_, text) in zip(diags, expected, strict=True):
        assert text in d.message
        assert d.severity is (Severity.WARNING if d.code == "E408" else Severity.ERROR)


def test_demo_counts_compare_with_the_rows_after_limit(tmp_path: Path) -> None:
    text = optimize_text("LabeledFewShot { k: 3 }", limit=", limit: 2")
    d = only(diagnose(tmp_path, text, {"train.jsonl": rows(10)}), "E408")
    assert d.message == "`k` asks for 3 demos, but trainset `train` has 2 rows: at most 2 will be used"
    assert d.help == "set `k: 2` or less, or add examples to train.jsonl"
    assert (d.span.line, d.span.col) == (12, 45)


@pytest.mark.parametrize(
    ("optimizer", "valset_rows", "expected"),
    [
        # auto: none uses minibatches unless told not to; the default size is 35.
        ("MIPROv2 { auto: none, num_candidates: 2, num_trials: 2 }", 20, ("E409", 13, 25, "of 35 rows from the 20")),
        ("MIPROv2 { auto: none, num_candidates: 2, num_trials: 2 }", 35, None),
        ("MIPROv2 { auto: none, num_candidates: 2, num_trials: 2, minibatch: false }", 20, None),
        ("MIPROv2 { auto: none, num_candidates: 2, num_trials: 2, minibatch_size: 5 }", 4, ("E409", 13, 97, "of 5")),
        # auto: minibatches only above 50 rows, over a sample of at most 100 (light).
        ("MIPROv2 { minibatch_size: 45 }", 40, None),
        ("MIPROv2 { minibatch_size: 70, minibatch: false }", 60, ("E409", 13, 51, "of 70 rows from the 60 rows of")),
        ('MIPROv2 { auto: "light", minibatch_size: 101 }', 120, ("E409", 13, 66, 'the 100 rows `auto: "light"` keeps')),
        ('MIPROv2 { auto: "medium", minibatch_size: 101 }', 120, None),
    ],
)
def test_mipro_minibatches_must_fit_the_valset(
    tmp_path: Path, optimizer: str, valset_rows: int, expected: tuple[str, int, int, str] | None
) -> None:
    text = optimize_text(optimizer, valset="dev.jsonl")
    diags = diagnose(tmp_path, text, {"train.jsonl": rows(3), "dev.jsonl": rows(valset_rows)})
    if expected is None:
        assert diags == []
        return
    d = only(diags, "E409")
    assert (d.code, d.span.line, d.span.col) == expected[:3] and d.severity is Severity.ERROR
    assert expected[3] in d.message and "valset `dev`" in d.message


def test_mipro_without_a_valset_scores_on_the_trainset(tmp_path: Path) -> None:
    text = optimize_text("MIPROv2 { auto: none, num_candidates: 2, num_trials: 2 }")
    d = only(diagnose(tmp_path, text, {"train.jsonl": rows(3)}), "E409")
    assert d.message == (
        "`MIPROv2` cannot draw minibatches of 35 rows from the 3 rows of trainset `train` (the block has no valset)"
    )
    assert d.help == "set `minibatch_size: 3` or less, or `minibatch: false` to score every trial on the whole valset"


def test_a_one_row_trainset_reads_right(tmp_path: Path) -> None:
    d = only(diagnose(tmp_path, optimize_text("KNNFewShot { k: 2 }"), {"train.jsonl": rows(1)}), "E408")
    assert d.message == "`k` asks for the 2 nearest examples, but trainset `train` has 1 row: each call will use it"


def test_sizes_are_not_compared_when_the_file_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets_check, "MAX_BYTES", 10)
    assert diagnose(tmp_path, optimize_text("LabeledFewShot { k: 50 }"), {"train.jsonl": rows(3)}) == []


def test_each_data_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = datasets_check.peek

    def counting(path: Path, **kw: object) -> object:
        read.append(Path(path).name)
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(datasets_check, "peek", counting)
    text = optimize_text("[LabeledFewShot { k: 9 }, MIPROv2 { minibatch_size: 9 }]", valset="dev.jsonl")
    diags = diagnose(tmp_path, text, {"train.jsonl": rows(3), "dev.jsonl": rows(2)})
    assert codes(diags) == ["E408"]
    assert sorted(read) == ["dev.jsonl", "train.jsonl"]


def test_settings_tables_agree_with_the_optimizers() -> None:
    from lmc.checks import settings

    for name, keys in settings.TRAINSET_COUNTS.items():  # each count is an option of its optimizer
        assert set(keys) <= set(lmc.schemas.blocks.OPTIMIZERS[name].keys()), name


def test_a_bodys_assignments_are_found_through_statements_alone():
    """``_assignments`` visits statements only: the same variables, in the same order, as a walk of every node."""
    from pathlib import Path

    from lmc.checks.programs import _assignments
    from lmc.ir import nodes as ir
    from lmc.syntax.parse import parse

    def walked(stmts):
        for node in (n for stmt in stmts for n in ir.walk(stmt)):
            if isinstance(node, ir.Assign):
                yield node.target, "variable"
            elif isinstance(node, ir.For):
                yield node.var, "loop variable"

    root = Path(__file__).parent
    files = [*root.parent.joinpath("samples").rglob("*.lmp"), *root.joinpath("data").rglob("*.lmp")]
    programs = 0
    for path in files:
        source, _ = parse(path.read_text(encoding="utf-8"), str(path))
        for program in source.of(ir.ProgramDecl) if source is not None else ():
            programs += 1
            assert list(_assignments(program.body)) == list(walked(program.body)), path
    nested = (
        "program p(a: str) -> (b: str) {\n  x = a\n  for y in [a] {\n    if y == a { z = y } else { repeat 2 { w = z } }\n"
        "  }\n  return {b: x}\n}\n"
    )
    (program,) = parse(nested, "f.lmp")[0].of(ir.ProgramDecl)
    assert [(i.name, role) for i, role in _assignments(program.body)] == [
        ("x", "variable"),
        ("y", "loop variable"),
        ("z", "variable"),
        ("w", "variable"),
    ]
    assert programs > 20
