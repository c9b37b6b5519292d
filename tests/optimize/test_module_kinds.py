"""Optimizers over ReAct, MultiChainComparison and BestOfN: every predictor path gets demos from its own calls."""

from __future__ import annotations

from lmc.data.datasets import Example
from lmc.optimize.core.base import Task
from lmc.optimize.fewshot.bootstrap import BootstrapFewShot
from lmc.optimize.fewshot.labeled import LabeledFewShot
from lmc.runtime.lm.rollout import current_rollout
from lmc.runtime.program import Program
from lmc.runtime.signature import Field, ModuleSpec, Signature
from lmc.runtime.tools import Tool, ToolParam
from tests.scripted import ScriptedLM, chat_answer

QA = Signature("QA", "Answer the question.", (Field("question"),), (Field("answer"),))
CAPITALS = {"Varno": "Tesk", "Ollin": "Marrow"}
TRAIN = tuple(Example({"question": country, "answer": city}, {"question"}) for country, city in CAPITALS.items())


def exact(example, outputs) -> bool:
    return outputs["answer"] == example["answer"]


def program(spec: ModuleSpec, parts: tuple[str, ...] = (), **kw) -> Program:
    return Program(
        name="qa",
        inputs=(Field("question"),),
        outputs=(Field("answer"),),
        module_paths=(spec.path, *parts),
        modules={spec.path: spec},
        body=lambda ctx, question: ctx.module(spec.path)(question=question),
        **kw,
    )


def react_lm(messages: list[dict]) -> str:
    user = messages[-1]["content"]
    country = user.split("[[ ## question ## ]]\n", 1)[1].split("\n", 1)[0]
    if "`reasoning`" in messages[0]["content"]:
        return chat_answer(reasoning="The lookup said so.", answer=CAPITALS[country])
    if "observation_0" in user:
        return chat_answer(next_thought="Done.", next_tool_name="finish", next_tool_args="{}")
    return chat_answer(
        next_thought="Look it up.", next_tool_name="lookup", next_tool_args=f'{{"country": "{country}"}}'
    )


def test_bootstrapping_a_react_module_gives_demos_to_both_predictors():
    spec = ModuleSpec("qa.agent", "ReAct", QA, {"tools": ["lookup"]})
    tool = Tool("lookup", lambda country: CAPITALS[country], (ToolParam("country", str),))
    prog = program(spec, parts=("qa.agent.extract",), tools={"lookup": tool})
    lm = ScriptedLM(react_lm)
    result = BootstrapFewShot(max_bootstrapped_demos=2, max_labeled_demos=2).compile(
        Task(program=prog, trainset=TRAIN, metric=exact, lm=lm)
    )
    assert set(result.params) == {"qa.agent", "qa.agent.extract"}
    turns = result.params["qa.agent"].demos
    assert len(turns) == 2 and {d["next_tool_name"] for d in turns} <= {"lookup", "finish"}
    assert set(turns[0]) == {"question", "trajectory", "next_thought", "next_tool_name", "next_tool_args"}
    answers = result.params["qa.agent.extract"].demos
    assert [d["answer"] for d in answers] == ["Tesk", "Marrow"]
    assert set(answers[0]) == {"question", "trajectory", "reasoning", "answer"}
    # The chosen demos reach the prompts of their own predictor.
    replay = ScriptedLM(react_lm)
    prog.run({"question": "Varno"}, lm=replay, params=result.params)
    extract_call = replay.calls[-1]
    assert "[[ ## reasoning ## ]]\nThe lookup said so." in extract_call[2]["content"]
    assert "[[ ## next_tool_name ## ]]" in replay.calls[0][2]["content"]


def test_labeled_demos_reach_every_predictor_of_multi_chain_comparison():
    spec = ModuleSpec("qa.cmp", "MultiChainComparison", QA, {"m": 2})
    prog = program(spec, parts=("qa.cmp.attempt",))
    result = LabeledFewShot(k=1).compile(Task(program=prog, trainset=TRAIN, metric=exact, lm=ScriptedLM([])))
    assert {path: len(p.demos) for path, p in result.params.items()} == {"qa.cmp": 1, "qa.cmp.attempt": 1}


def test_bootstrapped_best_of_n_demos_are_the_kept_attempts():
    spec = ModuleSpec("qa.best", "BestOfN", QA, {"n": 3, "reward": "short", "threshold": 1.0})
    prog = program(spec, metrics={"short": lambda inputs, prediction: float(len(prediction["answer"]) < 8)})

    def respond(messages):
        country = messages[-1]["content"].split("[[ ## question ## ]]\n", 1)[1].split("\n", 1)[0]
        city = CAPITALS[country]
        return chat_answer(answer=city if current_rollout() == 1 else f"It is {city}, surely")

    result = BootstrapFewShot(max_bootstrapped_demos=2, max_labeled_demos=2).compile(
        Task(program=prog, trainset=TRAIN, metric=exact, lm=ScriptedLM(respond))
    )
    assert result.params["qa.best"].demos == (
        {"question": "Varno", "answer": "Tesk"},
        {"question": "Ollin", "answer": "Marrow"},
    )
