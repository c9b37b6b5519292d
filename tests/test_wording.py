"""The exact wording of diagnostics that neither the error samples nor ``test_checks.py`` pin.

Each case is a small file and the one diagnostic it must give, message and
help byte for byte: the variants of a help a check picks by what it found
(a tool or a signature used as a value, a block that takes no options, ...).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lmc.checks import run_checks
from lmc.host.frontend import load_file
from lmc.syntax.parse import parse

SIG = "signature S {\n  in a: str\n  out b: str\n}\n"


def program(line: str = "", *, kind: str = "Predict(S)", params: str = "a: str") -> str:
    return SIG + f"program p({params}) -> (b: str) {{\n  module m = {kind}\n{line}\n  return m(a=a)\n}}\n"


CASES = [
    (
        "optimized twice",
        program() + "metric acc = exact_match(b)\noptimize p { metric: acc }\noptimize p { metric: acc }\n",
        "E101",
        "program `p` has a second `optimize` block",
        "the first `optimize` block is at line 11, column 10; merge the two blocks",
    ),
    (
        "parameter declared twice",
        program(params="a: str, a: str"),
        "E101",
        "parameter `a` is declared twice",
        "the first is at line 5, column 11; rename one of them",
    ),
    (
        "unknown variable, nothing close",
        program("  x = zzzzzz"),
        "E102",
        "unknown name `zzzzzz`",
        "assign it first (`x = ...`) or add it to the program's parameters",
    ),
    (
        "unknown function, nothing close",
        program("  x = qqqqq(a)"),
        "E102",
        "unknown function `qqqqq`",
        "modules, tools, retrievers, programs and the built-ins `unique`, `len`, `join`, `majority` can be called",
    ),
    (
        "unknown enum member, nothing close",
        "enum Mood { happy, sad }\n" + program("  x = Mood.zzzzz"),
        "E102",
        "enum `Mood` has no member `zzzzz`",
        "its members are `happy`, `sad`",
    ),
    (
        "unknown module kind, nothing close",
        program(kind="Zzzzzz(S)"),
        "E103",
        "unknown module kind `Zzzzzz`",
        "expected one of `Predict`, `ChainOfThought`, `ProgramOfThought`, `ReAct`, `MultiChainComparison`, "
        "`BestOfN`, `Refine`",
    ),
    (
        "unknown retriever kind",
        'retriever r = zzzz "x.jsonl"\n',
        "E103",
        "unknown retriever kind `zzzz`",
        "expected one of `bm25`, `python`",
    ),
    (
        "unknown optimizer, nothing close",
        program() + "metric acc = exact_match(b)\noptimize p { metric: acc, optimizer: Qqqqqq }\n",
        "E104",
        "unknown optimizer `Qqqqqq`",
        "expected one of `LabeledFewShot`, `BootstrapFewShot`, `BootstrapFewShotWithRandomSearch`, `KNNFewShot`, "
        "`COPRO`, `MIPROv2`, `SIMBA`, `GEPA`, `BootstrapFinetune`, `Calibrate`, `Ensemble`",
    ),
    (
        "unknown metric function, nothing close",
        "metric acc = zzzzzz(b)\n",
        "E105",
        "unknown metric function `zzzzzz`",
        'use `exact_match(field)`, `f1(field)`, `contains(field)`, `judge(Signature)` or `python "module:function"`',
    ),
    (
        "a tool used as a value",
        'tool t(q: str) -> str = python "tools:t"\n' + program("  x = t"),
        "E106",
        "`t` is a tool, not a value",
        "call it: `t(...)`",
    ),
    (
        "a signature used as a value",
        program("  x = S"),
        "E106",
        "`S` is a signature, not a value",
        "declare a module with it, `module m = Predict(S)`, and call `m(...)`",
    ),
    (
        "an lm used as a value",
        'lm big = "openai/gpt-4o"\n' + program("  x = big"),
        "E106",
        "`big` is an lm, not a value",
        "only variables, parameters and literals are values in a program body",
    ),
    (
        "an lm called",
        'lm big = "openai/gpt-4o"\n' + program("  x = big(a)"),
        "E106",
        "`big` is an lm and cannot be called",
        "modules, tools, retrievers, programs and the built-ins `unique`, `len`, `join`, `majority` can be called",
    ),
    (
        "a metric called",
        "metric acc = exact_match(b)\n" + program("  x = acc(a)"),
        "E106",
        "`acc` is a metric and cannot be called",
        "metrics are used by `optimize` and `evaluate` blocks, not called in programs",
    ),
    (
        "a signature called",
        program("  x = S(a=a)"),
        "E106",
        "`S` is a signature and cannot be called",
        "declare a module first, `module m = Predict(S)`, then call `m(...)`",
    ),
    (
        "no such field, nothing close",
        program("  x = m(a=a).zzzzzzz"),
        "E306",
        "`zzzzzzz` is not a field of module `m`",
        "the fields of module `m` are `b`",
    ),
    (
        "not a choice, nothing close",
        program() + 'metric acc = exact_match(b)\noptimize p { metric: acc, optimizer: MIPROv2 { auto: "zzzzzz" } }\n',
        "E404",
        '`auto` must be one of "light", "medium", "heavy" or `none`, got "zzzzzz"',
        'use one of "light", "medium", "heavy" or `none`',
    ),
    (
        "empty inputs",
        'dataset d = "d.jsonl" { inputs: [] }\n',
        "E404",
        "`inputs` is empty",
        "list the fields the program receives: `inputs: [question]`",
    ),
    (
        "a string signature without outputs",
        'signature S = "a -> "\n',
        "E203",
        "signature `S` has no output fields",
        'name outputs after the arrow: "question -> answer"',
    ),
    (
        "a string signature without inputs",
        'signature S = " -> b"\n',
        "E204",
        "signature `S` has no input fields",
        'name inputs before the arrow: "question -> answer"',
    ),
    (
        "an option for a module kind that takes only the module settings",
        program(kind="Predict(S, zzz: 1)"),
        "E401",
        "unknown option `zzz` for module kind `Predict`",
        "valid options: `lm`, `temperature`, `max_tokens`, `adapter`, `extraction_lm`",
    ),
    (
        "a misspelt module setting",
        program(kind="Predict(S, adaptr: json)"),
        "E401",
        "unknown option `adaptr` for module kind `Predict`",
        "did you mean `adapter`?",
    ),
    (
        "an adapter that does not exist",
        program(kind="Predict(S, adapter: jsn)"),
        "E404",
        '`adapter` must be one of `chat`, `json`, `xml`, `two_step`, got "jsn"',
        "did you mean `json`?",
    ),
    (
        "a module on an lm that is not declared",
        'lm strong = "openai/x"\n' + program(kind="Predict(S, lm: strnog)"),
        "E102",
        "unknown lm `strnog`",
        "did you mean `strong`?",
    ),
    (
        "an extraction lm for another adapter",
        'lm small = "openai/x"\n' + program(kind="Predict(S, adapter: xml, extraction_lm: small)"),
        "E407",
        "`extraction_lm` is the lm of the `two_step` adapter's second request, and this module's adapter is `xml`",
        "write `adapter: two_step`, or remove `extraction_lm`",
    ),
    (
        "a quoted name",
        program() + 'metric acc = exact_match(b)\noptimize p { metric: "acc" }\n',
        "E402",
        "`metric` expects the name of a metric, got a string",
        "write the name without quotes: `acc`",
    ),
    (
        "a metric field close to an output",
        program() + "metric acc = exact_match(bb)\nevaluate p { metric: acc }\n",
        "E501",
        "metric `acc` compares `bb`, which is not an output of program `p`",
        "did you mean `b`? (its outputs are `b`)",
    ),
    (
        "a judge of two signatures",
        SIG + "metric j = judge(S, S)\n",
        "E509",
        "`judge` takes exactly one signature name, got 2",
        "write `judge(Signature)`",
    ),
]


@pytest.mark.parametrize(("name", "text", "code", "message", "help"), CASES, ids=[c[0] for c in CASES])
def test_wording(tmp_path: Path, name: str, text: str, code: str, message: str, help: str) -> None:
    source, syntax = parse(text, "t.lmp")
    assert source is not None and not syntax, [d.message for d in syntax]
    found = [(d.message, d.help) for d in run_checks(source, tmp_path, strict=True) if d.code == code]
    assert found == [(message, help)]


def test_positional_arguments(tmp_path: Path) -> None:
    source, _ = parse(program("  x = m(a, a)"), "t.lmp")
    assert source is not None
    found = [(d.code, d.message, d.help) for d in run_checks(source, tmp_path, strict=True)]
    assert found == [
        ("E303", "module `m` takes keyword arguments only", "name the input: `a=...`"),
        ("E303", "module `m` takes keyword arguments only", "name each input: `field=value`"),
    ]


def test_a_folder_for_a_data_file(tmp_path: Path) -> None:
    (tmp_path / "sub.jsonl").mkdir()
    source, _ = parse('dataset d = "sub.jsonl" { inputs: [a] }\n', "t.lmp")
    assert source is not None
    (d,) = run_checks(source, tmp_path, strict=True)
    assert (d.code, d.message) == ("E502", "dataset `d`: `sub.jsonl` is a folder, not a file")
    assert (
        d.help == f"looked for {(tmp_path / 'sub.jsonl').resolve()}; paths are relative to the folder of the .lmp file"
    )


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.lmp"
    path.write_bytes(b'lm a = "x"\n# caf\xe9\n')
    (d,) = load_file(str(path)).diagnostics
    assert (d.code, d.span.line, d.span.col, d.span.end_col) == ("E000", 2, 6, 7)
    assert (d.message, d.help) == ("the file is not valid UTF-8 (byte 0xe9)", "save the file as UTF-8")


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    path = str(tmp_path / "missing.lmp")
    (d,) = load_file(path).diagnostics
    assert (d.code, d.message, d.help) == ("E000", f"cannot read `{path}`: No such file or directory", "check the path")
