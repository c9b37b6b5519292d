"""Inputs past Python's own limits are diagnostics at their place, never E900 with a traceback or exit 2.

Nesting past the recursion limit, a path longer than the file system takes,
a dataset row nested past the stack or holding a number past 4,300 digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lmc
from lmc.cli.main import main

HEAD = "signature S {\n  in q: str\n  out a: str\n}\n"


def program(body: str) -> str:
    return HEAD + "program p(q: str) -> (a: str) {\n  module m = Predict(S)\n" + body + "\n  return m(q=q)\n}\n"


DEEP = 600
NESTINGS = {
    "if": program("  " + "if true { " * DEEP + "x = 1" + " }" * DEEP),
    "sum": program("  x = " + " + ".join(["1"] * DEEP)),
    "calls": program("  x = " + "len(" * DEEP + "q" + ")" * DEEP),
    "list type": "type T {\n  x: " + "list[" * DEEP + "str" + "]" * DEEP + "\n}\n",
}


@pytest.mark.parametrize("text", NESTINGS.values(), ids=NESTINGS.keys())
def test_nesting_past_the_limit_is_a_diagnostic(text: str, tmp_path: Path, capsys):
    (diag,) = lmc.check(text)
    assert diag.code == "E012" and "lmc reads at most 200" in diag.message
    source = tmp_path / "deep.lmp"
    source.write_text(text)
    assert main(["check", str(source)]) == 1
    assert "error[E012]" in capsys.readouterr().err


def test_nesting_within_the_limit_is_checked_and_built():
    text = program("  " + "if true { " * 90 + "x = 1" + " }" * 90)
    assert lmc.check(text) == []
    with lmc.compile(text) as project:
        assert "program/programs.py" in project.render()


DATASET = (
    program("")
    + 'metric e = exact_match(a)\ndataset d = "PATH" { inputs: [q] }\nevaluate p { metric: e, dataset: d }\n'
)


def test_a_path_too_long_for_the_file_system_is_a_diagnostic():
    (diag,) = lmc.check(DATASET.replace("PATH", "x" * 300 + ".jsonl"))
    assert diag.code == "E503" and "File name too long" in diag.message


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ('{"q": ' + "[" * 5000 + "]" * 5000 + ', "a": "x"}', "nested too deeply"),
        ('{"q": "x", "a": ' + "9" * 5000 + "}", "a number has too many digits"),
    ],
)
def test_a_dataset_row_past_the_readers_limits_is_a_diagnostic(row: str, says: str, tmp_path: Path):
    (tmp_path / "d.jsonl").write_text(row + "\n")
    (diag,) = lmc.check(DATASET.replace("PATH", "d.jsonl"), path=str(tmp_path / "app.lmp"))
    assert diag.code == "E503" and says in diag.message and diag.line == 11
    (tmp_path / "d.json").write_text(json.dumps([{"q": "x", "a": "y"}])[:-1] + ", " + row + "]")
    (diag,) = lmc.check(DATASET.replace("PATH", "d.json"), path=str(tmp_path / "app.lmp"))
    assert diag.code == "E503" and says in diag.message
