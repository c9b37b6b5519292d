"""Failures are shown, counted and never scored silently: ``lmc eval`` and the build's evaluations.

The program is a small intent classifier with a Python metric, as a user
writes one; the faults are a newcomer's (a typo in the metric) and a model's
(answers that ignore the format).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lmc.cli.main import main
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

KEY_ENV = "LMC_TEST_INTENT_KEY"

SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}

enum Intent {{ refund, shipping, greeting }}

signature Route {{
  \"\"\"Name the customer's intent.\"\"\"
  in  message: str
  out intent: Intent
}}

program route(message: str) -> (intent: Intent) {{
  module pick = Predict(Route)
  return pick(message=message)
}}

metric right = python "scoring:same_intent"
dataset dev = "dev.jsonl" {{ inputs: [message] }}

optimize route {{
  optimizer: LabeledFewShot {{ k: 2 }}
  metric: right
  trainset: dev
}}
"""

ROWS = [
    ("Where is my parcel?", "shipping"),
    ("I want my money back.", "refund"),
    ("Hello there!", "greeting"),
    ("The box never came.", "shipping"),
]

GOOD_METRIC = "def same_intent(example, pred):\n    return example['intent'] == pred['intent']\n"
TYPO_METRIC = "def same_intent(example, pred):\n    return example['intent'] == pred['intnet']\n"


def right_answer(body: dict) -> str:
    text = body["messages"][-1]["content"]
    intent = next((label for message, label in ROWS if message in text), "greeting")
    return chat_answer(intent=intent)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(KEY_ENV, "sk-intent")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=right_answer) as server:
        (tmp_path / "intent.lmp").write_text(SOURCE.format(api_base=server.api_base, key_env=KEY_ENV))
        (tmp_path / "scoring.py").write_text(GOOD_METRIC)
        lines = [json.dumps({"message": m, "intent": i}) for m, i in ROWS]
        (tmp_path / "dev.jsonl").write_text("\n".join(lines) + "\n")
        yield server, tmp_path / "intent.lmp"


def eval_route(source: Path) -> int:
    return main(["eval", str(source), "route", "--dataset", "dev", "--no-cache"])


def test_answers_that_never_parse_show_the_raw_text_and_exit_3(project, capsys):
    server, source = project
    server.answer = lambda body: "Sure! The intent is probably shipping."
    assert eval_route(source) == 3
    captured = capsys.readouterr()
    assert captured.out.strip() == "0.0"
    err = captured.err
    assert "row 1: the program failed: module `route.pick` could not parse the LM's answer" in err
    assert 'the LM wrote: "Sure! The intent is probably shipping."' in err
    assert "4 of 4 row(s) failed" in err and "every row failed (4)" in err
    assert "(no output)" not in err


def test_a_metric_that_raises_is_named_on_each_row(project, capsys):
    _, source = project
    (source.parent / "scoring.py").write_text(TYPO_METRIC)
    assert eval_route(source) == 3
    err = capsys.readouterr().err
    assert err.count("the metric raised KeyError: 'intnet'") == 4
    assert "intent=shipping" in err  # the outputs the program did produce are shown


def test_some_failed_rows_are_counted_and_the_run_still_succeeds(project, capsys):
    server, source = project
    server.answer = lambda body: "no idea" if "Hello" in body["messages"][-1]["content"] else right_answer(body)
    assert eval_route(source) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "75.0"
    assert "row 3: the program failed" in captured.err and "1 of 4 row(s) failed" in captured.err


def test_a_build_warns_when_every_row_fails(project, tmp_path: Path, capsys):
    server, source = project
    server.answer = lambda body: "Sure! The intent is probably shipping."
    assert main(["build", str(source), "-o", str(tmp_path / "out"), "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "warning: baseline route on dev: every row of dev failed (4); the first: module `route.pick`" in err


def test_a_build_stops_at_max_errors_when_the_metric_raises(project, tmp_path: Path, capsys):
    _, source = project
    (source.parent / "scoring.py").write_text(TYPO_METRIC)
    source.write_text(source.read_text().replace("LabeledFewShot { k: 2 }", "BootstrapFewShot { max_errors: 2 }"))
    assert main(["build", str(source), "-o", str(tmp_path / "out"), "--no-cache"]) == 3
    err = capsys.readouterr().err
    # Which row failed last depends on the threads; the message names it.
    assert re.search(
        r"stopped after 2 failed runs \(max_errors is 2\); the last error \(row \d\): KeyError: 'intnet'", err
    )
    assert not (tmp_path / "out" / "intent").exists()
