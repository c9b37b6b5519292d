"""A ReAct agent's trajectory has a type a program can return: ``dict[str, json]``."""

from __future__ import annotations

import json
from pathlib import Path

import lmc
from lmc.cli.main import main
from tests.runtime.stub_server import StubServer
from tests.scripted import ScriptedLM, chat_answer

SOURCE = """\
tool lookup(country: str) -> str = python "atlas:lookup" "Return the atlas entry of a country."

signature Ask {
  in  question: str
  out answer: str
}

program agent(question: str) -> (answer: str, trajectory: dict[str, json]) {
  module act = ReAct(Ask, tools: [lookup], max_iters: 3)
  r = act(question=question)
  return { answer: r.answer, trajectory: r.trajectory }
}
"""
ATLAS = "def lookup(country):\n    return {'Varno': 'capital: Lindt'}.get(country, 'unknown')\n"
TURNS = [
    chat_answer(next_thought="Look it up.", next_tool_name="lookup", next_tool_args='{"country": "Varno"}'),
    chat_answer(next_thought="Done.", next_tool_name="finish", next_tool_args="{}"),
    chat_answer(reasoning="The atlas says Lindt.", answer="Lindt"),
]
TRAJECTORY = {
    "thought_0": "Look it up.",
    "tool_name_0": "lookup",
    "tool_args_0": {"country": "Varno"},
    "observation_0": "capital: Lindt",
    "thought_1": "Done.",
    "tool_name_1": "finish",
    "tool_args_1": {},
    "observation_1": "Completed.",
}


def test_a_program_returns_its_agents_trajectory():
    assert lmc.check(SOURCE, files={"atlas.py": ATLAS}) == []
    turns = iter(TURNS)
    with lmc.compile(SOURCE, files={"atlas.py": ATLAS}) as project:
        result = project.programs["agent"](question="Capital of Varno?", lm=ScriptedLM(lambda m: next(turns)))
        assert result.answer == "Lindt" and result.model_dump(mode="json")["trajectory"] == TRAJECTORY
        assert "trajectory: dict[str, object]" in project.render()["program/results.py"].decode()


def test_json_is_a_type_anywhere_a_type_goes():
    source = SOURCE.replace("-> str = python", "-> json = python")
    assert lmc.check(source, files={"atlas.py": ATLAS}) == []
    (clash,) = lmc.check("type json { a: str }\n")
    assert (clash.code, clash.message) == ("E107", "`json` is the name of a built-in type and cannot be reused")


def test_lmc_run_prints_the_trajectory(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("LMC_TEST_REACT_KEY", "sk-react")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    turns = iter(TURNS)
    with StubServer(answer=lambda body: next(turns)) as server:
        lm = f'lm default = "openai/stub" {{ api_base: "{server.api_base}", api_key_env: "LMC_TEST_REACT_KEY" }}\n'
        (tmp_path / "agent.lmp").write_text(lm + SOURCE)
        (tmp_path / "atlas.py").write_text(ATLAS)
        assert main(["run", str(tmp_path / "agent.lmp"), "agent", "--input", "question=Capital of Varno?"]) == 0
    assert json.loads(capsys.readouterr().out) == {"answer": "Lindt", "trajectory": TRAJECTORY}
