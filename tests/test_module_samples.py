"""The react and attempts samples: their Python tools and reward, and a scripted run of each program."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from lmc.building.callcount import RunCalls, run_calls
from lmc.cli.main import main
from lmc.codegen import render_package
from lmc.host.frontend import load_file
from lmc.host.loader import load_package
from lmc.runtime.lm.rollout import current_rollout
from tests.scripted import ScriptedLM, chat_answer

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"sample_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _package(path: Path) -> ModuleType:
    loaded = load_file(str(path))
    assert loaded.ok
    text = path.read_text(encoding="utf-8")
    return load_package(
        render_package(loaded.source, package=path.stem, source_dir=path.parent, source_text=text), package=path.stem
    )


def test_atlas_lookup_and_calculator() -> None:
    tools = _module(SAMPLES / "react" / "tools.py")
    assert tools.lookup("  tarrow   ISLES ") == "Tarrow Isles: capital Port Elm; population 38000; language Varnish."
    assert tools.lookup("Atlantis").startswith("The atlas has no country called 'Atlantis'. Its countries are: Varno")
    assert tools.calculate("412000 + 95000") == 507000
    assert tools.calculate("-(3 - 5) * 2 / 4") == 1.0
    for bad in ("__import__('os')", "2 ** 8", "True + 1"):
        with pytest.raises(ValueError, match="only numbers and"):
            tools.calculate(bad)


def test_brief_reward() -> None:
    brief = _module(SAMPLES / "attempts" / "rewards.py").brief
    assert brief({"country": "Peru"}, {"capital": "Lima"}) == 1.0
    assert brief({}, {"capital": "Port of Spain City Centre"}) == 0.6
    assert brief({}, {"capital": ""}) == 0.0 and brief({}, {"capital": "Lima\nPeru"}) == 0.0


def test_the_atlas_agent_looks_up_and_adds() -> None:
    package = _package(SAMPLES / "react" / "atlas_agent.lmp")
    turns = [
        ("Look up Varno.", "lookup", '{"country": "Varno"}'),
        ("Look up Ollin.", "lookup", '{"country": "Ollin"}'),
        ("Add them.", "calculate", '{"expression": "412000 + 95000"}'),
        ("Done.", "finish", "{}"),
    ]

    def respond(messages: list[dict]) -> str:
        if "`reasoning`" in messages[0]["content"]:
            assert "[[ ## observation_2 ## ]]\n507000" in messages[-1]["content"]
            return chat_answer(reasoning="412000 + 95000", answer="507000")
        thought, tool, args = turns[messages[-1]["content"].count("[[ ## thought_")]
        return chat_answer(next_thought=thought, next_tool_name=tool, next_tool_args=args)

    result = package.atlas(question="How many people live in Varno and Ollin together?", lm=ScriptedLM(respond))
    assert result.answer == "507000"


def test_the_attempts_programs_run_on_rollouts() -> None:
    package = _package(SAMPLES / "attempts" / "short_answers.lmp")

    def respond(messages: list[dict]) -> str:
        system = messages[0]["content"]
        if "`discussion`" in system:
            return chat_answer(discussion="Too long.", advice='{"refined.polish": "Name the city only."}')
        if "`rationale`" in system:
            return chat_answer(rationale="Two attempts say Rome.", capital="Rome")
        if "`reasoning`" in system:
            return chat_answer(reasoning="Italy's capital is Rome.", capital="Rome")
        return chat_answer(capital="Rome" if current_rollout() else "The capital of Italy is Rome")

    lm = ScriptedLM(respond)
    assert package.best_of(country="Italy", lm=lm).capital == "Rome"
    assert package.refined(country="Italy", lm=lm).capital == "Rome"
    assert package.compared(country="Italy", lm=lm).capital == "Rome"
    hinted = [call for call in lm.calls if "[[ ## hint_ ## ]]\nName the city only." in call[-1]["content"]]
    assert len(hinted) == 1


def test_static_call_counts_match_the_kinds() -> None:
    path = SAMPLES / "attempts" / "short_answers.lmp"
    source = load_file(str(path)).source
    assert run_calls(source, "compared") == RunCalls(4)  # m attempts, then the comparison
    assert run_calls(source, "best_of") == RunCalls(3, upper_bound=True)
    assert run_calls(source, "refined") == RunCalls(3, upper_bound=True)  # two attempts, feedback between
    lm = ScriptedLM(lambda messages: chat_answer(reasoning="r", rationale="r", capital="Rome"))
    _package(path).compared(country="Italy", lm=lm)
    assert len(lm.calls) == 4


def test_lmc_prompt_shows_each_predictor_of_the_agent(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SAMPLES / "react" / "atlas_agent.lmp")
    assert main(["prompt", path, "atlas.agent", "--input", "question=Capital of Varno?"]) == 0
    agent = capsys.readouterr().out
    assert "(1) lookup, whose description is <desc>Return the atlas entry" in agent
    assert "[[ ## trajectory ## ]]\n\n\nRespond with" in agent
    assert main(["prompt", path, "atlas.agent.extract", "--input", "question=Capital of Varno?"]) == 0
    extract = capsys.readouterr().out
    assert "starting with the field `[[ ## reasoning ## ]]`, then `[[ ## answer ## ]]`" in extract
