"""MultiChainComparison: m rollout attempts, DSPy's comparison prompt, failed attempts, traces, parameters."""

from __future__ import annotations

import asyncio

import pytest

from lmc.runtime.errors import ParseError
from lmc.runtime.kinds.compare import attempt_text, comparison_signature
from lmc.runtime.lm.rollout import current_rollout
from lmc.runtime.modules import make_module
from lmc.runtime.program import Program
from lmc.runtime.signature import Field, ModuleSpec, Params, Signature
from lmc.runtime.trace import Prediction
from tests.scripted import ScriptedLM, chat_answer

from .samples import QA, REVIEW, Sentiment

SPEC = ModuleSpec("qa.cmp", "MultiChainComparison", QA, {"m": 3})


def is_comparison(messages: list[dict]) -> bool:
    return "`rationale`" in messages[0]["content"]


def scripted(attempts: dict[int, str], final: str = chat_answer(rationale="Two say Tesk.", answer="Tesk")):
    """Attempt answers by rollout id, then the comparison's answer; records the rollout of every call."""
    rollouts = []

    def respond(messages):
        rollouts.append(current_rollout())
        return final if is_comparison(messages) else attempts[current_rollout()]

    return ScriptedLM(respond), rollouts


def program(spec: ModuleSpec = SPEC) -> Program:
    return Program(
        name="qa",
        inputs=(Field("question"),),
        outputs=(Field("answer"),),
        module_paths=(spec.path, f"{spec.path}.attempt"),
        modules={spec.path: spec},
        body=lambda ctx, question: ctx.module(spec.path)(question=question),
    )


ATTEMPTS = {
    0: chat_answer(reasoning="Varno's capital is Tesk.\nI am sure.", answer="Tesk"),
    1: chat_answer(reasoning="It might be Marrow.", answer="Marrow\nor not"),
    2: chat_answer(reasoning="The atlas says Tesk.", answer="Tesk"),
}


def test_attempts_are_rollouts_and_the_comparison_is_not():
    lm, rollouts = scripted(ATTEMPTS)
    prediction = make_module(SPEC, Params(QA.instructions), lm)(question="Capital of Varno?")
    assert prediction == {"rationale": "Two say Tesk.", "answer": "Tesk"}
    assert rollouts == [0, 1, 2, None]


def test_comparison_prompt_is_dspy_multi_chain_comparison():
    lm, _ = scripted(ATTEMPTS)
    make_module(SPEC, Params(QA.instructions), lm)(question="Capital of Varno?")
    system, user = lm.calls[3]
    assert system["content"].startswith(
        "Your input fields are:\n1. `question` (str): \n"
        "2. `reasoning_attempt_1` (str): ${reasoning attempt}\n"
        "3. `reasoning_attempt_2` (str): ${reasoning attempt}\n"
        "4. `reasoning_attempt_3` (str): ${reasoning attempt}\n"
        "Your output fields are:\n1. `rationale` (str): ${corrected reasoning}\n2. `answer` (str):"
    )
    assert user["content"].startswith(
        "[[ ## question ## ]]\nCapital of Varno?\n\n"
        "[[ ## reasoning_attempt_1 ## ]]\n"
        "«I'm trying to Varno's capital is Tesk. I'm not sure but my prediction is Tesk»\n\n"
        "[[ ## reasoning_attempt_2 ## ]]\n"
        "«I'm trying to It might be Marrow. I'm not sure but my prediction is Marrow»\n\n"
        "[[ ## reasoning_attempt_3 ## ]]\n"
        "«I'm trying to The atlas says Tesk. I'm not sure but my prediction is Tesk»\n\n"
        "Respond with the corresponding output fields, starting with the field `[[ ## rationale ## ]]`"
    )
    attempt_system = lm.calls[0][0]["content"]
    assert "1. `reasoning` (str): \n2. `answer` (str):" in attempt_system


def test_attempt_text_uses_the_last_output_as_text():
    attempt = Prediction({"reasoning": "Warm words.", "stars": 4, "sentiment": Sentiment.positive})
    sig = Signature("Stars", "Rate.", REVIEW.inputs, (REVIEW.outputs[0], Field("sentiment", Sentiment)))
    assert attempt_text(sig, attempt) == "«I'm trying to Warm words. I'm not sure but my prediction is positive»"
    assert [f.name for f in comparison_signature(QA, 2).inputs] == [
        "question",
        "reasoning_attempt_1",
        "reasoning_attempt_2",
    ]


def test_unparseable_attempts_are_left_out_and_renumbered():
    attempts = {**ATTEMPTS, 1: "no markers at all"}
    lm, _ = scripted(attempts)
    make_module(SPEC, Params(QA.instructions), lm)(question="q")
    comparison = lm.calls[-1]
    assert (
        "3. `reasoning_attempt_2`" in comparison[0]["content"] and "reasoning_attempt_3" not in comparison[0]["content"]
    )
    assert "«I'm trying to The atlas says Tesk." in comparison[-1]["content"]
    assert len(lm.calls) == 5  # attempt 1 was asked again in JSON


def test_when_no_attempt_parses_the_parse_error_is_raised():
    lm = ScriptedLM(lambda messages: "nothing")
    with pytest.raises(ParseError, match="qa.cmp.attempt"):
        make_module(SPEC, Params(QA.instructions), lm)(question="q")


def test_attempts_and_comparison_are_traced_and_take_their_own_params():
    lm, _ = scripted(ATTEMPTS)
    prog = program()
    params = prog.default_params()
    assert set(params) == {"qa.cmp", "qa.cmp.attempt"}
    assert prog.modules["qa.cmp.attempt"] == ModuleSpec("qa.cmp.attempt", "ChainOfThought", QA)
    params["qa.cmp.attempt"] = Params("Think, then answer.")
    params["qa.cmp"] = Params("Compare the attempts.")
    run = prog.run({"question": "q"}, lm=lm, params=params)
    assert [t.path for t in run.trace] == ["qa.cmp.attempt"] * 3 + ["qa.cmp"]
    assert run.trace[-1].inputs["reasoning_attempt_2"].startswith("«I'm trying to It might be Marrow.")
    assert lm.calls[0][0]["content"].endswith("objective is: \n        Think, then answer.")
    assert lm.calls[3][0]["content"].endswith("objective is: \n        Compare the attempts.")


def test_async_call_sends_the_same_requests():
    sync_lm, _ = scripted(ATTEMPTS)
    async_lm, rollouts = scripted(ATTEMPTS)
    expected = make_module(SPEC, Params(QA.instructions), sync_lm)(question="q")
    got = asyncio.run(make_module(SPEC, Params(QA.instructions), async_lm).acall(question="q"))
    assert got == expected and async_lm.calls == sync_lm.calls and rollouts == [0, 1, 2, None]
