"""BestOfN and Refine: rollout attempts, rewards, thresholds, DSPy's feedback step, hints and traces."""

from __future__ import annotations

import asyncio
import json

import pytest

from lmc.runtime.errors import ParseError, ProgramError
from lmc.runtime.kinds.refine import OFFER_FEEDBACK, declaration, describe_module
from lmc.runtime.lm.rollout import current_rollout, rollout
from lmc.runtime.program import Program
from lmc.runtime.signature import Field, ModuleSpec
from tests.scripted import ScriptedLM, chat_answer

from .samples import QA


def one_word(example: dict, prediction: dict) -> float:
    """1.0 for a one-word answer, less the more words it has."""
    return 1.0 / len(prediction["answer"].split())


REWARDS = {"one_word": one_word}


def program(kind: str = "BestOfN", rewards=None, **options) -> Program:
    spec = ModuleSpec("qa.best", kind, QA, {"n": 3, "reward": "one_word", **options})
    return Program(
        name="qa",
        inputs=(Field("question"),),
        outputs=(Field("answer"),),
        module_paths=("qa.best",),
        modules={"qa.best": spec},
        body=lambda ctx, question: ctx.module("qa.best")(question=question),
        metrics=REWARDS if rewards is None else rewards,
    )


def run(prog: Program, lm, question: str = "Capital of Varno?"):
    return prog.run({"question": question}, lm=lm, params=prog.default_params())


def by_rollout(answers: dict[int, str], feedback: str | None = None):
    """An LM answering attempts by rollout id (and the feedback step, outside any rollout)."""
    seen = []

    def respond(messages):
        seen.append(current_rollout())
        if current_rollout() is None:
            assert feedback is not None, "an unexpected call outside a rollout"
            return feedback
        return answers[current_rollout()]

    return ScriptedLM(respond), seen


ANSWERS = {0: chat_answer(answer="It is Tesk"), 1: chat_answer(answer="Tesk"), 2: chat_answer(answer="Tesk, surely")}


# ------------------------------------------------------------------ BestOfN


def test_best_of_n_stops_at_the_first_attempt_that_reaches_the_threshold():
    lm, seen = by_rollout(ANSWERS)
    result = run(program(threshold=1.0), lm)
    assert result.outputs == {"answer": "Tesk"}
    assert seen == [0, 1]
    assert [(t.path, t.outputs) for t in result.trace] == [("qa.best", {"answer": "Tesk"})]


def test_best_of_n_without_threshold_runs_all_and_keeps_the_best():
    answers = {0: chat_answer(answer="Tesk"), 1: chat_answer(answer="Marrow"), 2: chat_answer(answer="It is Tesk")}
    lm, seen = by_rollout(answers)
    result = run(program(), lm)
    assert seen == [0, 1, 2]
    assert result.outputs == {"answer": "Tesk"}  # the first of two equal rewards
    assert len(result.trace) == 1


def test_rollouts_continue_from_an_enclosing_rollout():
    lm, seen = by_rollout({5: ANSWERS[0], 6: ANSWERS[0], 7: ANSWERS[1]})
    with rollout(5):
        assert run(program(), lm).outputs == {"answer": "Tesk"}
    assert seen == [5, 6, 7]


def test_the_reward_sees_the_inputs_and_the_prediction():
    seen = []

    def spy(example, prediction):
        seen.append((example, prediction))
        return True

    lm, _ = by_rollout(ANSWERS)
    run(program(rewards={"one_word": spy}, threshold=1.0), lm, question="Where?")
    assert seen == [({"question": "Where?"}, {"answer": "It is Tesk"})]


def test_unparseable_attempts_are_skipped_and_none_parsing_raises():
    lm, seen = by_rollout({0: "rambling", 1: ANSWERS[1], 2: ANSWERS[2]})
    assert run(program(threshold=1.0), lm).outputs == {"answer": "Tesk"}
    assert seen == [0, 0, 1]  # rollout 0 was asked again in JSON
    lm, _ = by_rollout({0: "rambling", 1: "still", 2: "nothing"})
    with pytest.raises(ParseError, match="qa.best"):
        run(program(), lm)


def test_a_broken_reward_stops_the_module():
    lm, _ = by_rollout(ANSWERS)
    with pytest.raises(
        TypeError, match="the reward `one_word` returned 'yes'; expected a number, a bool, or a score with feedback"
    ):
        run(program(rewards={"one_word": lambda e, p: "yes"}), lm)
    with pytest.raises(ZeroDivisionError):
        run(program(rewards={"one_word": lambda e, p: 1 / 0}), lm)


def test_a_missing_reward_metric_is_a_program_error():
    lm, _ = by_rollout(ANSWERS)
    with pytest.raises(ProgramError, match="no metric `one_word`"):
        run(program(rewards={}), lm)


def test_best_of_n_async_sends_the_same_requests():
    sync_lm, _ = by_rollout(ANSWERS)
    async_lm, seen = by_rollout(ANSWERS)
    prog = program(threshold=1.0)
    expected = run(prog, sync_lm)
    got = asyncio.run(prog.arun({"question": "Capital of Varno?"}, lm=async_lm, params=prog.default_params()))
    assert got == expected and async_lm.calls == sync_lm.calls and seen == [0, 1]


# ------------------------------------------------------------------- Refine

ADVICE = chat_answer(discussion="Too wordy.", advice='{"qa.best": "Answer with the city name only."}')


def test_refine_asks_for_feedback_and_passes_the_hint_on():
    lm, seen = by_rollout(ANSWERS, feedback=ADVICE)
    result = run(program("Refine", threshold=1.0), lm)
    assert seen == [0, None, 1]
    assert result.outputs == {"answer": "Tesk"}
    hinted = lm.calls[2]
    assert "2. `hint_` (str): A hint to the module from an earlier run" in hinted[0]["content"]
    assert hinted[-1]["content"].startswith(
        "[[ ## question ## ]]\nCapital of Varno?\n\n[[ ## hint_ ## ]]\nAnswer with the city name only.\n\n"
    )
    # The kept attempt is traced without its hint; the feedback call is not traced.
    assert [(t.path, dict(t.inputs)) for t in result.trace] == [("qa.best", {"question": "Capital of Varno?"})]


def test_feedback_prompt_is_dspy_offer_feedback():
    lm, _ = by_rollout(ANSWERS, feedback=ADVICE)
    run(program("Refine", threshold=1.0), lm)
    system, user = lm.calls[1]
    assert system["content"].startswith(
        "Your input fields are:\n1. `program_code` (str): The code of the program that we are analyzing\n"
    )
    assert (
        "9. `module_names` (list[str]): The names of the modules in the program, for which we seek advice"
        in system["content"]
    )
    assert system["content"].endswith(
        "your objective is: \n        In the discussion, assign blame to each module that contributed to the final "
        "reward being below the threshold, if\n        any."
        + OFFER_FEEDBACK.instructions.split("any.", 1)[1].replace("\n", "\n        ")
    )
    fields = dict(part.split(" ## ]]\n", 1) for part in user["content"].removeprefix("[[ ## ").split("\n\n[[ ## "))
    assert fields["program_code"] == "module best = Refine(QA, n: 3, reward: one_word, threshold: 1.0)"
    assert fields["modules_defn"] == describe_module("qa.best", QA)
    assert json.loads(fields["program_inputs"]) == {"question": "Capital of Varno?"}
    assert fields["program_inputs"] == '{\n  "question": "Capital of Varno?"\n}'
    assert json.loads(fields["program_trajectory"]) == [
        {"module_name": "qa.best", "inputs": {"question": "Capital of Varno?"}, "outputs": {"answer": "It is Tesk"}}
    ]
    assert json.loads(fields["program_outputs"]) == {"answer": "It is Tesk"}
    assert fields["reward_code"].startswith("def one_word(example: dict, prediction: dict) -> float:\n")
    assert fields["target_threshold"] == "1.0"
    assert fields["reward_value"].startswith("0.333")
    assert fields["module_names"].startswith('[\n  "qa.best"\n]\n\nRespond with the corresponding output fields')


def test_describe_module_is_dspy_inspect_modules():
    rule = "-" * 80
    assert describe_module("qa.best", QA) == (
        rule + "\nModule qa.best\n\tInput Fields:\n\t\t1. `question` (str):\n\tOutput Fields:\n\t\t1. `answer` (str):\n"
        "\tOriginal Instructions: \n\t\tGiven the fields `question`, produce the fields `answer`.\n" + rule
    )
    spec = ModuleSpec("qa.best", "Refine", QA, {"n": 2, "reward": "r", "flag": True, "names": ["a", "b"]})
    assert declaration(spec) == "module best = Refine(QA, n: 2, reward: r, flag: true, names: [a, b])"


def test_no_feedback_after_the_last_attempt():
    # Rewards 1/3, 1/2, 1/3: none reaches the threshold (the first Refine test stops once one does).
    lm, seen = by_rollout({0: ANSWERS[0], 1: ANSWERS[2], 2: ANSWERS[0]}, feedback=ADVICE)
    result = run(program("Refine", threshold=1.0), lm)
    assert seen == [0, None, 1, None, 2]
    assert result.outputs == {"answer": "Tesk, surely"}
    assert [dict(t.inputs) for t in result.trace] == [{"question": "Capital of Varno?"}]


def test_unreadable_feedback_keeps_the_previous_hint():
    lm, seen = by_rollout({0: ANSWERS[0], 1: ANSWERS[1], 2: ANSWERS[1]}, feedback="no advice here")
    assert run(program("Refine", threshold=1.0), lm).outputs == {"answer": "Tesk"}
    assert seen == [0, None, None, 1]  # the feedback was asked again in JSON, then given up
    assert "hint_" not in lm.calls[3][0]["content"]


def test_refine_async_sends_the_same_requests():
    sync_lm, _ = by_rollout(ANSWERS, feedback=ADVICE)
    async_lm, _ = by_rollout(ANSWERS, feedback=ADVICE)
    prog = program("Refine", threshold=1.0)
    expected = run(prog, sync_lm)
    got = asyncio.run(prog.arun({"question": "Capital of Varno?"}, lm=async_lm, params=prog.default_params()))
    assert got == expected and async_lm.calls == sync_lm.calls
