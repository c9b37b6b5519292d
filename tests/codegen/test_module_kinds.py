"""ReAct, BestOfN, Refine and MultiChainComparison in emitted packages: tools, rewards, predictor paths, parity."""

from __future__ import annotations

import asyncio
from pathlib import Path, PurePosixPath

import pytest

from lmc.codegen import record_parity
from lmc.host.loader import load_package
from lmc.runtime.lm.rollout import current_rollout
from lmc.runtime.replay import ReplayLM
from lmc.runtime.tools import Tool
from tests.codegen.helpers import render_text, text_files
from tests.scripted import ScriptedLM, chat_answer

HELPERS = '''
CAPITALS = {"varno": "Tesk"}


def lookup(name: str, exact: bool = False) -> str:
    return CAPITALS.get(name.lower(), "unknown")


def short(example: dict, prediction: dict) -> float:
    """One word is best."""
    return 1.0 / len(prediction["answer"].split())
'''

SOURCE = '''
signature Answer {
  """Answer with the capital."""
  in  question: str
  out answer: str
}

tool lookup(name: str, exact: bool = false) -> str = python "helpers:lookup" "Find a capital by country name."
metric short = python "helpers:short"
metric em = exact_match(answer)

program agent(question: str) -> (answer: str) {
  module act = ReAct(Answer, tools: [lookup], max_iters: 3)
  return act(question=question)
}

program best(question: str) -> (answer: str) {
  module pick = BestOfN(Answer, n: 3, reward: short, threshold: 1.0)
  return pick(question=question)
}

program refined(question: str) -> (answer: str) {
  module polish = Refine(Answer, n: 2, reward: short)
  return polish(question=question)
}

program compared(question: str) -> (answer: str) {
  module cmp = MultiChainComparison(Answer, m: 2)
  return cmp(question=question)
}
'''


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kinds")
    (path / "helpers.py").write_text(HELPERS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(folder: Path) -> dict[PurePosixPath, bytes]:
    return render_text(SOURCE, folder, package="kinds")


@pytest.fixture(scope="module")
def package(files):
    return load_package(files, package="kinds")


def agent_lm(messages: list[dict]) -> str:
    if "`reasoning`" in messages[0]["content"]:
        return chat_answer(reasoning="lookup said Tesk", answer="Tesk")
    if "observation_0" in messages[-1]["content"]:
        return chat_answer(next_thought="Done.", next_tool_name="finish", next_tool_args="{}")
    return chat_answer(next_thought="Look it up.", next_tool_name="lookup", next_tool_args='{"name": "Varno"}')


def test_tools_and_rewards_are_emitted_as_runtime_references(files) -> None:
    programs = text_files(files)["kinds/programs.py"]
    assert "from ._runtime.tools import Tool, ToolParam" in programs
    assert (
        'TOOLS = {\n    "lookup": Tool(\n        "lookup",\n        helpers.lookup,\n        params=(\n'
        '            ToolParam("name", str),\n            ToolParam("exact", bool, default=False),\n        ),\n'
        '        desc="Find a capital by country name.",\n        returns=str,\n    ),\n}' in programs
    )
    assert 'METRICS = {\n    "short": helpers.short,\n}' in programs  # only the reward, not `em`
    assert "metrics=METRICS," in programs
    assert '"agent.act", "ReAct", ANSWER, {"tools": ["lookup"], "max_iters": 3}' in programs
    assert '"best.pick", "BestOfN", ANSWER, {"n": 3, "reward": "short", "threshold": 1.0}' in programs
    assert PurePosixPath("kinds/_ext/helpers.py") in files


def test_every_predictor_path_has_params_and_a_spec(files, package) -> None:
    params = text_files(files)["kinds/params.py"]
    for path in ("agent.act", "agent.act.extract", "compared.cmp", "compared.cmp.attempt", "best.pick"):
        assert f'"{path}": Params(' in params
    agent = package.programs.PROGRAMS["agent"]
    assert agent.module_paths == ("agent.act", "agent.act.extract")
    assert set(agent.default_params()) == set(agent.module_paths) <= set(agent.modules)
    assert package.programs.PROGRAMS["compared"].module_paths == ("compared.cmp", "compared.cmp.attempt")
    assert set(package.params.PARAMS) >= {"agent.act.extract", "compared.cmp.attempt"}


def test_react_runs_the_declared_tool_in_the_package(package) -> None:
    assert isinstance(package.programs.TOOLS["lookup"], Tool)
    lm = ScriptedLM(agent_lm)
    result = package.agent(question="Capital of Varno?", lm=lm)
    assert result.answer == "Tesk"
    assert "[[ ## observation_0 ## ]]\nTesk" in lm.calls[1][-1]["content"]
    assert "(1) lookup, whose description is <desc>Find a capital by country name.</desc>." in lm.calls[0][0]["content"]


def test_best_of_n_scores_attempts_with_the_shipped_reward(package) -> None:
    answers = {0: "It is Tesk", 1: "Tesk", 2: "Tesk again"}
    lm = ScriptedLM(lambda messages: chat_answer(answer=answers[current_rollout()]))
    assert package.best(question="Capital of Varno?", lm=lm).answer == "Tesk"
    assert len(lm.calls) == 2  # the second attempt reached the threshold


def test_refine_feedback_quotes_the_shipped_reward_source(package) -> None:
    def respond(messages):
        if current_rollout() is None:
            return chat_answer(discussion="Wordy.", advice='{"refined.polish": "One word."}')
        return chat_answer(answer="It is Tesk" if current_rollout() == 0 else "Tesk")

    lm = ScriptedLM(respond)
    assert package.refined(question="q", lm=lm).answer == "Tesk"
    feedback = lm.calls[1][-1]["content"]
    assert 'def short(example: dict, prediction: dict) -> float:\n    """One word is best."""' in feedback
    assert "module polish = Refine(Answer, n: 2, reward: short)" in feedback


@pytest.mark.parametrize("program", ["agent", "best", "refined", "compared"])
def test_recorded_prompts_replay_byte_for_byte(package, program: str) -> None:
    def respond(messages):
        if program == "agent":
            return agent_lm(messages)
        if "`discussion`" in messages[0]["content"]:
            return chat_answer(discussion="d", advice="{}")
        if "`rationale`" in messages[0]["content"]:
            return chat_answer(rationale="both agree", answer="Tesk")
        if "`reasoning`" in messages[0]["content"]:
            return chat_answer(reasoning="it is known", answer="Tesk")
        return chat_answer(answer="Tesk city")

    case = record_parity(getattr(package, program), {"question": "Capital of Varno?"}, lm=ScriptedLM(respond))
    calls = case.to_json()["calls"]
    assert calls
    replay = ReplayLM(calls)
    getattr(package, program).invoke({"question": "Capital of Varno?"}, lm=replay)
    replay.assert_done()
    replay = ReplayLM(calls)
    asyncio.run(getattr(package, program).ainvoke({"question": "Capital of Varno?"}, lm=replay))
    replay.assert_done()
