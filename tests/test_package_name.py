"""The emitted package's name: from the file or ``--name``; refused when it would not import as meant (E010)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmc.cli.main import main
from lmc.host.naming import check_name, from_file, problem

SOURCE = """\
lm default = "local/smollm2"

signature Echo {
  in  text: str
  out same: str
}

program echo(text: str) -> (same: str) {
  module say = Predict(Echo)
  return say(text=text)
}
"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [("sentiment.lmp", "sentiment"), ("My-App.lmp", "my_app"), ("two words.lmp", "two_words"), ("a.b.lmp", "a.b")],
)
def test_the_file_names_the_package(path: str, expected: str):
    assert from_file(path) == expected


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("json", "would shadow `json` of Python's standard library"),
        ("typing", "would shadow `typing` of Python's standard library"),
        ("class", "is a Python keyword"),
        ("match", "is a Python keyword"),
        ("pydantic", "a module the package itself imports"),
        ("a.b", "is not a Python identifier"),
        ("2fast", "is not a Python identifier"),
        ("café", "is not a Python identifier"),
        ("_try", "starts with `_`"),
        ("__init__", "starts with `_`"),
        ("print", "would shadow Python's built-in `print`"),
        ("list", "would shadow Python's built-in `list`"),
    ],
)
def test_names_that_would_not_import_as_meant_are_refused(name: str, reason: str):
    assert reason in (problem(name) or "")


def test_good_names_pass():
    assert problem("sentiment") is None and problem("json_tools") is None and problem("private_") is None


@pytest.mark.parametrize("name", ["_try", "__init__", "print", "id", "match", "json", "sentiment", "a1", "Mixed"])
def test_every_name_the_check_accepts_renders_and_every_other_is_refused_first(name: str, tmp_path: Path):
    """The check and code generation agree: no name passes E010 and then fails to render (`_try.lmp` did)."""
    from lmc.codegen.errors import CodegenError
    from lmc.codegen.views.plan import Plan
    from lmc.syntax.parse import parse

    source, _ = parse("signature S {\n  in q: str\n  out a: str\n}\n", "x.lmp")
    assert source is not None
    try:
        Plan(source, package=name, source_dir=tmp_path)
        renders = True
    except CodegenError:
        renders = False
    assert renders or problem(name) is not None


def test_the_diagnostic_says_where_the_name_came_from_and_suggests_one():
    name, diag = check_name("dir/json.lmp", None)
    assert name == "json" and diag is not None
    assert (diag.code, diag.span.line, diag.span.col) == ("E010", 1, 1)
    assert "(from the file name json.lmp)" in diag.message
    assert diag.help == "name the package: `--name json_app` (or `name=` in the API), or rename the file"
    assert check_name("dir/json.lmp", "json_tools") == ("json_tools", None)


def write(tmp_path: Path, stem: str) -> Path:
    source = tmp_path / f"{stem}.lmp"
    source.write_text(SOURCE)
    return source


def test_lmc_build_refuses_a_file_named_like_the_standard_library(tmp_path: Path, capsys):
    source = write(tmp_path, "json")
    assert main(["build", str(source), "-o", str(tmp_path / "out"), "--no-optimize"]) == 1
    err = capsys.readouterr().err
    assert "json.lmp:1:1: error[E010]: the package would be named `json`" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_name_chooses_the_package(tmp_path: Path, capsys):
    source = write(tmp_path, "json")
    assert main(["build", str(source), "-o", str(tmp_path / "out"), "--no-optimize", "--name", "json_echo"]) == 0
    assert (tmp_path / "out" / "json_echo" / "json_echo" / "__init__.py").is_file()
    assert 'name = "json_echo"' in (tmp_path / "out" / "json_echo" / "pyproject.toml").read_text()
    assert main(["build", str(source), "-o", str(tmp_path / "out"), "--no-optimize", "--name", "for"]) == 1
    assert "the package would be named `for`, which is a Python keyword" in capsys.readouterr().err


def test_a_dash_in_the_file_name_is_read_as_an_underscore(tmp_path: Path):
    source = write(tmp_path, "echo-bot")
    assert main(["build", str(source), "-o", str(tmp_path / "out"), "--no-optimize"]) == 0
    assert (tmp_path / "out" / "echo_bot" / "echo_bot" / "programs.py").is_file()
