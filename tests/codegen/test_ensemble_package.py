"""An ensemble's parameters in the emitted package: rendered as members, run and voted by the package itself."""

from __future__ import annotations

import pytest

from lmc.codegen import record_parity, render_package, write_package
from lmc.host.loader import load_package
from lmc.runtime.signature import Params
from tests.codegen.helpers import parse_ok
from tests.package_tests import run_package_tests
from tests.scripted import ScriptedLM, chat_answer

SOURCE = """
signature Answer {
  in  question: str
  out answer: str
}

program ask(question: str) -> (answer: str) {
  module reply = Predict(Answer)
  return reply(question=question)
}
"""
MEMBERS = (
    Params("Answer like A.", demos=({"question": "q?", "answer": "a"},)),
    Params("Answer like B."),
    Params("Answer like C."),
)
PARAMS = {"ask.reply": Params(MEMBERS[0].instructions, demos=MEMBERS[0].demos, members=MEMBERS)}


def _answer(messages):
    system = messages[0]["content"]
    return chat_answer(answer="Paris" if "like B" not in system else "Rome")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("ensemble")
    source = parse_ok(SOURCE, folder)
    kwargs = {"package": "voting", "source_dir": folder, "source_text": SOURCE, "params": PARAMS}
    return source, folder, kwargs


def test_params_py_holds_every_member_and_renders_deterministically(rendered):
    source, _, kwargs = rendered
    first, again = render_package(source, **kwargs), render_package(source, **kwargs)
    assert first == again
    params_py = next(v for k, v in first.items() if k.name == "params.py").decode()
    assert params_py.count("Params(") == 1 + len(MEMBERS)
    assert "Answer like B." in params_py and "members=(" in params_py


def test_the_package_runs_each_member_and_returns_the_majority(rendered):
    source, _, kwargs = rendered
    package = load_package(render_package(source, **kwargs), package="voting")
    assert package.PARAMS["ask.reply"] == PARAMS["ask.reply"]
    lm = ScriptedLM(_answer)
    assert package.ask(question="capital?", lm=lm).answer == "Paris"
    assert len(lm.calls) == len(MEMBERS)


def test_parity_replays_all_member_calls(rendered):
    source, folder, kwargs = rendered
    package = load_package(render_package(source, **kwargs), package="voting")
    case = record_parity(package.ask, {"question": "capital?"}, lm=ScriptedLM(_answer))
    assert len(case.calls) == len(MEMBERS)
    out = folder / "build" / "voting"
    write_package(render_package(source, parity=[case], **kwargs), out)
    done = run_package_tests(out, "voting")
    assert done.returncode == 0, done.stdout + done.stderr
