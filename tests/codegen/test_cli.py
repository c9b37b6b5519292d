"""``python -m <package>``: inputs by type, JSON out, clear errors and exit codes."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from tests.codegen.helpers import load_text
from tests.scripted import ScriptedLM, chat_answer

SOURCE = """
enum Sentiment { positive, negative }

signature Rate {
  in  sentence: str
  in  notes: list[str]
  in  help: str
  in  strictness: int
  in  hint: Sentiment
  out sentiment: Sentiment
  out score: float
}

program rate(sentence: str, notes: list[str], help: str, strictness: int = 1, hint: Sentiment? = none) -> (sentiment: Sentiment, score: float) {
  module judge = Predict(Rate)
  return judge(sentence=sentence, notes=notes, help=help, strictness=strictness, hint=hint)
}
"""


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory):
    return load_text(SOURCE, tmp_path_factory.mktemp("cli"), package="rater")


@pytest.fixture
def main(pkg):
    lm = ScriptedLM(lambda messages: chat_answer(sentiment="negative", score="0.25"))
    pkg.configure(lm=lm)
    cli = importlib.import_module(pkg.__name__ + ".__main__")
    yield lambda *argv: cli.main(list(argv))
    pkg.configure()


BASE = ("rate", "--sentence", "so bad", "--notes", '["a", "b"]', "--input-help", "x")


def test_outputs_are_printed_as_json(main, pkg, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(*BASE, "--strictness", "3", "--hint", "positive") == 0
    assert json.loads(capsys.readouterr().out) == {"sentiment": "negative", "score": 0.25}
    prompt = pkg.CONFIG.lm().calls[-1][-1]["content"]
    assert "[[ ## strictness ## ]]\n3" in prompt
    assert "[[ ## hint ## ]]\npositive" in prompt
    assert '[[ ## notes ## ]]\n["a", "b"]' in prompt


def test_invalid_values_exit_1_with_a_message(main, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(*BASE, "--strictness", "many") == 1
    assert "strictness" in capsys.readouterr().err
    assert main("rate", "--sentence", "s", "--notes", "[not json", "--input-help", "x") == 1
    err = capsys.readouterr().err
    assert "--notes takes a JSON value" in err and "Traceback" not in err
    assert main(*BASE, "--hint", "meh") == 1
    assert "hint" in capsys.readouterr().err


def test_missing_inputs_and_help(main, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main("rate", "--sentence", "s")
    assert exc.value.code == 2
    assert "--notes" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main("--help")
    assert exc.value.code == 0
    assert "rate" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main("rate", "--help")
    text = capsys.readouterr().out
    for option in ("--sentence", "--notes", "--input-help", "--strictness", "--hint", "--lm", "--api-base"):
        assert option in text


def test_a_failed_run_exits_3(pkg, capsys: pytest.CaptureFixture[str]) -> None:
    pkg.configure(lm=ScriptedLM(lambda messages: "no markers at all"))
    try:
        cli = importlib.import_module(pkg.__name__ + ".__main__")
        assert cli.main(list(BASE)) == 3
    finally:
        pkg.configure()
    err = capsys.readouterr().err
    assert "rate.judge" in err and "Traceback" not in err


def test_an_input_named_help_is_input_help(main, pkg) -> None:
    assert main(*BASE) == 0
    assert "[[ ## help ## ]]\nx" in pkg.CONFIG.lm().calls[-1][-1]["content"]


def test_python_api_errors(pkg, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="unexpected input"):
        pkg.rate.invoke({"sentence": "s", "notes": [], "help": "x", "nope": 1})
    with pytest.raises(TypeError, match="missing the input"):
        pkg.rate.invoke({"sentence": "s"})
    with pytest.raises(ValueError, match="strictness"):
        pkg.rate.invoke({"sentence": "s", "notes": [], "help": "x", "strictness": "high"})
