"""GEPA on scripted LMs: reflection from feedback, the Pareto frontier, merges, sizes, draws and budgets.

The program's LM is a ``FakeLM`` whose answers depend on the instructions
it is sent, so a candidate's score on each row is known in advance; the
reflection LM is a :class:`Reflector` that answers DSPy's instruction
proposal (``ProposeInstruction`` in the JSON format) with the current
instructions plus a rule, so each reflection's
candidate is known too. What is left to the engine (which candidate a step
improves, which rows it reads) is drawn from the seed; the tests pin the
walk a seed gives and check it against the rules of the algorithm.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from lmc.optimize import GEPA, OptionError, Task, create_optimizer
from lmc.optimize.core.base import TaskSizes, metered_task, params_key, run_optimizer
from lmc.optimize.core.budget import Budget, Meter
from lmc.optimize.gepa import auto_budget
from lmc.runtime.errors import LMError
from tests.optimize.fakes import (
    FakeLM,
    Request,
    classify_program,
    correct_label,
    index_of,
    pipeline_program,
    questions,
    sentences,
)

ROOT = Path(__file__).resolve().parents[2]
RULE = "RULE: copy the label."
START = "Instructions of classify.judge."


class Reflector:
    """A reflection LM: ``answer(prompt)`` for the user message of DSPy's proposal request; every one is kept."""

    model = "reflector"

    def __init__(self, answer: Callable[[str], str] | None = None) -> None:
        self.answer = answer or add_rule
        self.prompts: list[str] = []
        self.messages: list[list[dict]] = []
        self.changes: list[dict] = []

    def replace(self, **changes) -> Reflector:
        """``LM.replace``: the proposal asks for its answer with a ``response_format``, as DSPy's JSONAdapter."""
        self.changes.append(changes)
        return self

    def complete(self, messages: list[dict]) -> str:
        self.messages.append(messages)
        self.prompts.append(messages[-1]["content"])
        return self.answer(messages[-1]["content"])

    async def acomplete(self, messages: list[dict]) -> str:
        return self.complete(messages)


def field(prompt: str, name: str) -> str:
    """One input of the proposal's user message (the text under its ``[[ ## name ## ]]`` marker)."""
    after = prompt.split(f"[[ ## {name} ## ]]\n", 1)[1]
    return after.split("\n\n[[ ## ", 1)[0].split("\n\nRespond with", 1)[0]


def current(prompt: str) -> str:
    """The instructions a reflection prompt shows."""
    return field(prompt, "current_instruction")


def examples(prompt: str) -> list[dict]:
    """The reflective examples a reflection prompt shows (a JSON list)."""
    return json.loads(field(prompt, "examples_with_feedback"))


def add_rule(prompt: str) -> str:
    """The current instructions and a rule for the module they belong to, as the JSON object asked for."""
    now = current(prompt)
    rule = {"classify.judge": RULE, "pipe.draft": "RULE-D", "pipe.finish": "RULE-F"}[now.split()[-1].rstrip(".")]
    return json.dumps({"new_instruction": f"{now} {rule}"})


def ruled(request: Request) -> dict:
    """Right with the rule in the instructions, and on s0 without it."""
    sentence = request.inputs["sentence"]
    right = RULE in request.instructions or sentence == "s0"
    return {"label": correct_label(sentence) if right else "WRONG"}


def graded(example, outputs) -> dict:
    right = outputs["label"] == example["label"]
    return {"score": float(right), "feedback": "right" if right else f"expected {example['label']}"}


def classify_task(answer=ruled, reflector: Reflector | None = None, metric=graded, **kw) -> tuple[Task, FakeLM]:
    lm = FakeLM(answer)
    reflect = reflector or Reflector()
    kw.setdefault("trainset", sentences(6))
    kw.setdefault("valset", sentences(4, "v"))
    task = Task(program=classify_program(), metric=metric, lm=lm, lm_named=lambda name: reflect, **kw)
    return task, lm


ONE = GEPA(max_metric_calls=30, reflection_lm="strong")


def test_the_reflection_writes_instructions_from_the_feedback_and_the_best_candidate_wins():
    reflector = Reflector()
    task, lm = classify_task(reflector=reflector)
    result = ONE.compile(task)

    assert result.params["classify.judge"].instructions == f"{START} {RULE}"
    assert result.stopped is None and result.score == 100.0
    assert [(c.label, c.score, c.chosen) for c in result.candidates] == [
        ("candidate 0: the starting program", 0.0, False),
        ("candidate 1: candidate 0 with new instructions for `classify.judge` (iteration 1)", 100.0, True),
    ]
    frontier = result.frontier
    assert frontier is not None and frontier.parents == ((), (0,))
    assert frontier.rows == ((0.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0))
    assert [frontier.best(r) for r in range(4)] == [(1,), (1,), (1,), (1,)]
    assert frontier.notes[0] == "iteration 1: candidate 0 on trainset rows 5, 2, 6; scored 0; " + (
        "the reflection LM rewrote `classify.judge`; it scored 3: kept as candidate 1"
    )
    # Candidate 1 then scores every minibatch perfectly: nothing more to reflect on.
    assert all("every row perfect: nothing to reflect on" in note for note in frontier.notes[1:])
    # The valset (4) and iteration 1 (3 + 3 + 4) then six perfect minibatches: 32 runs, 30 at most before the last.
    assert len(lm.requests) == 32 and len(reflector.prompts) == 1 and result.lm_calls == 33


# DSPy 3.4.1's request for the first reflection of ``classify_task`` (``InstructionProposer()``: ``dspy.Predict``
# on ``ProposeInstruction`` through ``JSONAdapter``), rendered by DSPy from the same instructions and examples.
DSPY_PROPOSAL_SYSTEM = (
    "Your input fields are:\n"
    "1. `current_instruction` (str): The instructions I provided to the assistant.\n"
    "2. `examples_with_feedback` (list[dict[str, Any]]): Task inputs provided to the assistant, the assistant's "
    "response for each, and feedback on how the response could be better.\n"
    "Your output fields are:\n"
    "1. `new_instruction` (str): The new instruction for the assistant.\n"
    "All interactions will be structured in the following way, with the appropriate values filled in.\n\n"
    "Inputs will have the following structure:\n\n"
    "[[ ## current_instruction ## ]]\n{current_instruction}\n\n"
    "[[ ## examples_with_feedback ## ]]\n{examples_with_feedback}\n\n"
    "Outputs will be a JSON object with the following fields.\n\n"
    '{\n  "new_instruction": "{new_instruction}"\n}\n'
    "In adhering to this structure, your objective is: \n"
    "        I provided an assistant with instructions to perform a task for me. You are given those instructions, "
    "along with examples of different task inputs provided to the assistant, the assistant's response for each of "
    "them, and some feedback on how the assistant's response could be better.\n"
    "        \n"
    "        Your task is to write a new instruction for the assistant.\n"
    "        \n"
    "        Read the inputs carefully and identify the input format and infer detailed task description about the "
    "task I wish to solve with the assistant.\n"
    "        \n"
    "        Read all the assistant responses and the corresponding feedback. Identify all niche and domain specific "
    "factual information about the task and include it in the instruction, as a lot of it may not be available to "
    "the assistant in the future. The assistant may have utilized a generalizable strategy to solve the task, if "
    "so, include that in the instruction as well."
)
DSPY_PROPOSAL_USER = (
    "[[ ## current_instruction ## ]]\n"
    "Instructions of classify.judge.\n\n"
    "[[ ## examples_with_feedback ## ]]\n"
    '[{"Inputs": {"sentence": "s4"}, "Generated Outputs": {"label": "WRONG"}, "Feedback": "expected positive"}, '
    '{"Inputs": {"sentence": "s1"}, "Generated Outputs": {"label": "WRONG"}, "Feedback": "expected negative"}, '
    '{"Inputs": {"sentence": "s5"}, "Generated Outputs": {"label": "WRONG"}, "Feedback": "expected negative"}]\n\n'
    "Respond with a JSON object in the following order of fields: `new_instruction`."
)


def test_the_reflection_request_is_dspys_instruction_proposer_byte_for_byte():
    reflector = Reflector()
    task, _ = classify_task(reflector=reflector)
    ONE.compile(task)
    (messages,) = reflector.messages
    assert messages == [
        {"role": "system", "content": DSPY_PROPOSAL_SYSTEM},
        {"role": "user", "content": DSPY_PROPOSAL_USER},
    ]
    # Asked with the JSON schema of the output (the LM sends what its provider takes of it).
    (changes,) = reflector.changes
    assert changes["response_format"]["json_schema"]["schema"]["properties"] == {
        "new_instruction": {"title": "New Instruction", "type": "string"}
    }
    # Trainset rows 5, 2 and 6: s4, s1, s5, each its call's input, output and the metric's feedback.
    assert [e["Inputs"]["sentence"] for e in examples(messages[-1]["content"])] == ["s4", "s1", "s5"]


def test_a_metric_without_feedback_is_read_as_its_score():
    reflector = Reflector()
    task, _ = classify_task(reflector=reflector, metric=lambda example, outputs: outputs["label"] == example["label"])
    ONE.compile(task)
    assert examples(reflector.prompts[0])[0]["Feedback"] == "This trajectory got a score of 0.0."


def test_an_answer_that_does_not_parse_proposes_nothing_and_the_run_goes_on():
    """DSPy's proposer raises on an answer that is not the JSON object asked for (its ``JSONAdapter`` has no
    fallback); the engine asks once more for the same minibatch (DSPy's cache answers) and goes on without a
    candidate. The oracle benchmark's chat-format answers were such answers: no candidate on either side."""
    reflector = Reflector(lambda prompt: f"[[ ## new_instruction ## ]]\n{current(prompt)} {RULE}")
    task, lm = classify_task(reflector=reflector)
    result = ONE.compile(task)
    assert result.lm_calls <= ONE.estimate_calls(TaskSizes(trainset=6, valset=4, run_calls=1)).calls
    assert [c.label for c in result.candidates] == ["candidate 0: the starting program"]
    assert result.score == 0.0 and result.params["classify.judge"].instructions == START
    assert reflector.prompts and all(p == reflector.prompts[0] for p in reflector.prompts[:2])  # asked twice
    assert all("no new instructions" in note for note in result.frontier.notes) if result.frontier else False


def test_an_empty_instruction_proposes_nothing():
    reflector = Reflector(lambda prompt: json.dumps({"new_instruction": "  "}))
    task, _ = classify_task(reflector=reflector)
    result = ONE.compile(task)
    assert len(result.candidates) == 1 and reflector.prompts


# ------------------------------------------------------------ Pareto selection and merges


def pipe(request: Request) -> dict:
    """Rule D makes drafts that answer even rows; rule F answers odd rows; the start knows rows 1, 5, 9, ..."""
    i = index_of(request.inputs["question"])
    if request.path == "pipe.draft":
        return {"draft": "D+" if "RULE-D" in request.instructions else "D-"}
    if "RULE-F" in request.instructions and i % 2 == 1:
        right = True
    elif request.inputs["draft"] == "D+":
        right = i % 2 == 0  # rule D's drafts lose the rows the start knew
    else:
        right = i % 4 == 1
    return {"answer": "yes" if right else "no"}


def said_yes(example, outputs) -> dict:
    yes = outputs["answer"] == "yes"
    return {"score": float(yes), "feedback": "right" if yes else "wrong"}


def pipe_task(seed: int = 2, reflector: Reflector | None = None) -> tuple[Task, FakeLM]:
    lm = FakeLM(pipe)
    reflect = reflector or Reflector()
    task = Task(
        program=pipeline_program(),
        trainset=questions(8),
        valset=questions(8),
        metric=said_yes,
        lm=lm,
        lm_named=lambda name: reflect,
        seed=seed,
    )
    return task, lm


MERGING = GEPA(max_metric_calls=60, reflection_lm="strong", reflection_minibatch_size=3)


def test_the_frontier_keeps_two_siblings_and_a_merge_takes_each_ones_change():
    result = MERGING.compile(pipe_task()[0])
    frontier = result.frontier
    assert frontier is not None
    assert [(c.label, c.score) for c in result.candidates] == [
        ("candidate 0: the starting program", 25.0),
        ("candidate 1: candidate 0 with new instructions for `pipe.draft` (iteration 1)", 50.0),
        ("candidate 2: candidate 0 with new instructions for `pipe.finish` (iteration 2)", 50.0),
        ("candidate 3: a merge of candidates 1 and 2 (iteration 3)", 100.0),
    ]
    assert frontier.parents == ((), (0,), (0,), (1, 2))
    # Rule D wins the even rows and loses row 1 (index 1, which the start knew); rule F wins the odd rows.
    assert frontier.rows[1] == (1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0)
    assert frontier.rows[2] == (0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0)
    assert [frontier.best(r) for r in range(2)] == [(1, 3), (0, 2, 3)]
    # After candidate 1, the start stayed on the frontier (row 1): the next step improved it again.
    params = result.params
    assert params["pipe.draft"].instructions == "Instructions of pipe.draft. RULE-D"
    assert params["pipe.finish"].instructions == "Instructions of pipe.finish. RULE-F"
    assert frontier.notes[2] == (
        "iteration 3: merge of candidates 1 and 2 (common ancestor 0) on 5 valset rows; "
        "it scored 5: kept as candidate 3"
    )
    assert result.score == 100.0 and [c.chosen for c in result.candidates] == [False, False, False, True]


def test_without_merge_the_siblings_are_improved_by_reflection_alone():
    options = GEPA(max_metric_calls=60, reflection_lm="strong", reflection_minibatch_size=3, use_merge=False)
    result = options.compile(pipe_task()[0])
    assert result.frontier is not None and all(len(p) <= 1 for p in result.frontier.parents)
    assert result.score == 100.0


def test_current_best_always_improves_the_best_candidate_so_far():
    options = GEPA(
        max_metric_calls=60,
        reflection_lm="strong",
        reflection_minibatch_size=3,
        candidate_selection_strategy="current_best",
        use_merge=False,
    )
    result = options.compile(pipe_task()[0])
    frontier = result.frontier
    assert frontier is not None and len(result.candidates) > 2
    for i, parents in enumerate(frontier.parents[1:], 1):
        scores = [c.score for c in result.candidates[:i]]
        assert parents == (scores.index(max(scores)),)


def test_skip_perfect_score_asks_no_reflection_for_a_perfect_minibatch():
    always_right = lambda request: {"label": correct_label(request.inputs["sentence"])}  # noqa: E731
    skipping, asking = Reflector(), Reflector()
    result = GEPA(max_metric_calls=20, reflection_lm="strong").compile(classify_task(always_right, skipping)[0])
    assert skipping.prompts == [] and len(result.candidates) == 1
    options = GEPA(max_metric_calls=20, reflection_lm="strong", skip_perfect_score=False)
    result = options.compile(classify_task(always_right, asking)[0])
    assert asking.prompts and len(result.candidates) == 1  # asked, then not better: dropped
    assert result.frontier is not None and result.frontier.notes[0].endswith("it scored 3, not better: dropped")


def test_a_perfect_score_other_than_one_is_the_metrics_best():
    halved = lambda example, outputs: 0.5 * (outputs["label"] == example["label"])  # noqa: E731
    always_right = lambda request: {"label": correct_label(request.inputs["sentence"])}  # noqa: E731
    reflector = Reflector()
    GEPA(max_metric_calls=20, reflection_lm="strong").compile(classify_task(always_right, reflector, halved)[0])
    assert reflector.prompts  # 0.5 is not perfect at perfect_score 1.0
    reflector = Reflector()
    options = GEPA(max_metric_calls=20, reflection_lm="strong", perfect_score=0.5)
    options.compile(classify_task(always_right, reflector, halved)[0])
    assert reflector.prompts == []


def test_component_selector_all_rewrites_every_module_in_one_reflection():
    reflector = Reflector()
    options = GEPA(max_metric_calls=30, reflection_lm="strong", component_selector="all", use_merge=False)
    result = options.compile(pipe_task(reflector=reflector)[0])
    assert result.candidates[1].label == (
        "candidate 1: candidate 0 with new instructions for `pipe.draft`, `pipe.finish` (iteration 1)"
    )
    assert len(reflector.prompts) == 2 and result.score == 100.0


def test_each_candidates_clean_valset_score_is_the_builds_to_take():
    """A candidate's valset score is what the build's scoring computes; with a failed row, or no valset
    (the trainset stands in), the build scores the winner itself."""
    from lmc.host.evaluate import evaluate

    task, lm = classify_task()
    result = ONE.compile(task)
    assert result.params["classify.judge"].instructions.endswith(RULE)
    assert result.measured == {params_key(task.program, c.params): c.score for c in result.candidates}
    scored = evaluate(task.program, task.valset, task.metric, lm=lm, params=result.params)
    assert result.measured[params_key(task.program, result.params)] == scored.score == result.score

    def broken_on_v1(request: Request) -> dict | str:
        return "not json" if request.inputs["sentence"] == "v1" else ruled(request)

    assert ONE.compile(classify_task(broken_on_v1)[0]).measured == {}
    assert ONE.compile(classify_task(valset=())[0]).measured == {}


def test_the_starting_programs_valset_rows_are_taken_from_the_builds_baseline(caplog):
    """The build scored the starting program on the valset already (``Task.known_runs``): the engine gets
    those rows' results and the same search follows, with one valset fewer asked of the LM."""
    from dataclasses import replace

    from lmc.host.evaluate import evaluate

    plain, plain_lm = classify_task()
    expected = ONE.compile(plain)
    task, lm = classify_task()
    baseline = evaluate(task.program, task.valset, task.metric, lm=FakeLM(ruled), params=task.start_params())
    known = replace(task, known_runs={params_key(task.program, task.start_params()): baseline.results})
    with caplog.at_level(logging.INFO, logger="lmc.optimize.gepa"):
        result = ONE.compile(known)
    assert "GEPA: 4 valset row(s) of this program scored already, by the build" in caplog.text
    assert (result.params, result.candidates, result.frontier) == (
        expected.params,
        expected.candidates,
        expected.frontier,
    )
    assert result.measured == expected.measured
    assert len(lm.requests) == len(plain_lm.requests) - len(task.valset)
    assert not any(r.inputs["sentence"].startswith("v") and r.instructions == START for r in lm.requests)

    # Results of other rows (the same number of them, but not those the build ran) are never taken.
    other, other_lm = classify_task(valset=sentences(4, "w"))
    ONE.compile(replace(other, known_runs=known.known_runs))
    assert sum(r.inputs["sentence"].startswith("w") and r.instructions == START for r in other_lm.requests) == 4


def test_failed_runs_score_the_failure_score_and_are_not_reflected_on():
    def broken_on_s1(request: Request) -> dict | str:
        return "not json" if request.inputs["sentence"] == "s1" else ruled(request)

    reflector = Reflector()
    task, _ = classify_task(broken_on_s1, reflector, valset=sentences(2))
    result = GEPA(max_metric_calls=12, reflection_lm="strong", failure_score=-1.0).compile(task)
    assert result.frontier is not None and result.frontier.rows[0] == (1.0, -1.0)  # s0 right, s1 failed
    assert reflector.prompts
    assert all(e["Inputs"]["sentence"] != "s1" for prompt in reflector.prompts for e in examples(prompt))


def test_without_a_reflection_lm_the_programs_own_lm_reflects_and_the_notes_say_so():
    lm = FakeLM(ruled)
    reflector = Reflector()

    class Both:
        """Program requests (JSON) to the fake LM, the proposal to the reflector."""

        model = "both"

        def complete(self, messages):
            content = messages[-1]["content"]
            proposal = content.startswith("[[ ## current_instruction ## ]]")
            return reflector.complete(messages) if proposal else lm.complete(messages)

        async def acomplete(self, messages):
            return self.complete(messages)

    task = Task(program=classify_program(), trainset=sentences(6), valset=sentences(4, "v"), metric=graded, lm=Both())
    result = GEPA(max_metric_calls=30).compile(task)
    assert reflector.prompts and result.score == 100.0
    assert result.frontier is not None and result.frontier.notes[0].startswith("the program's own LM reflects")


def test_track_stats_logs_the_lineage_and_the_frontier(caplog):
    task, _ = classify_task()
    with caplog.at_level(logging.INFO, logger="lmc.optimize.gepa"):
        GEPA(max_metric_calls=30, reflection_lm="strong", track_stats=True).compile(task)
    assert (
        "GEPA candidate 1: candidate 0 with new instructions for `classify.judge` (iteration 1): valset 100.00, "
        "parents [0]" in caplog.text
    )
    assert "GEPA valset row 4: best [1]" in caplog.text


# ------------------------------------------------------------ seeds


def test_same_seed_same_result_and_another_seed_is_as_reproducible():
    def run(seed: int):
        reflector = Reflector()
        task, lm = pipe_task(seed, reflector)
        return MERGING.compile(task), lm.requests, reflector.prompts

    assert run(2) == run(2)
    assert run(7) == run(7)
    assert run(2)[0].frontier != run(7)[0].frontier  # another seed, another walk


COMPONENT_ORDER = """
from lmc.optimize.gepa import _Component
names = [_Component(f"prog.module_{i}") for i in range(12)]
print(list(set(names)), list({n: 0 for n in set(names)}))
"""


def test_component_names_iterate_in_the_same_order_in_every_process():
    """gepa's merge walks a set of component names, drawing as it goes: the set's order must not depend on
    PYTHONHASHSEED."""

    def order(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", COMPONENT_ORDER], env=env, capture_output=True, text=True, check=True, cwd=ROOT
        )
        return out.stdout

    assert order("1") == order("2") == order("3")


# ------------------------------------------------------------ sizes, estimate, budget


def test_auto_sizes_are_dspys():
    # DSPy's auto_budget: light (n = 6), one module, 100 valset rows: 10 trials of 35 rows, 3 full evaluations.
    assert auto_budget(1, 6, 100) == 100 + 30 + 350 + 3 * 100
    assert auto_budget(2, 12, 50) == 50 + 60 + 28 * 35 + 6 * 50
    assert auto_budget(1, 18, 1000) == 1000 + 90 + 27 * 35 + 6 * 1000
    options = GEPA(auto="light")
    assert options.metric_calls(modules=1, trainset=40, valset=100, valset_given=True) == 780
    full = GEPA(max_full_evals=3)
    assert full.metric_calls(modules=2, trainset=40, valset=30, valset_given=True) == 3 * 70
    assert full.metric_calls(modules=2, trainset=40, valset=40, valset_given=False) == 3 * 40  # DSPy: trainset only
    assert GEPA(max_metric_calls=77).metric_calls(modules=5, trainset=1, valset=1, valset_given=True) == 77


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "set exactly one of `auto`, `max_full_evals` and `max_metric_calls`"),
        ({"auto": "light", "max_full_evals": 2}, "(given: `auto`, `max_full_evals`)"),
        ({"auto": "huge"}, 'option `auto`: must be one of "light", "medium", "heavy"'),
        ({"auto": "light", "candidate_selection_strategy": "best"}, 'must be one of "pareto", "current_best"'),
        ({"auto": "light", "component_selector": "some"}, 'must be one of "round_robin", "all"'),
    ],
)
def test_bad_options_are_refused(options: dict, message: str):
    with pytest.raises(OptionError) as raised:
        create_optimizer("GEPA", options)
    assert message in str(raised.value)


def test_create_optimizer_takes_dspys_options():
    made = create_optimizer("GEPA", {"auto": "medium", "reflection_lm": "strong", "failure_score": 0})
    assert made == GEPA(auto="medium", reflection_lm="strong", failure_score=0.0)


@pytest.mark.parametrize(
    "options",
    [
        GEPA(max_metric_calls=30, reflection_lm="strong"),
        GEPA(max_metric_calls=60, reflection_lm="strong", reflection_minibatch_size=3),
        GEPA(max_metric_calls=40, reflection_lm="strong", component_selector="all"),
        GEPA(max_full_evals=3, reflection_lm="strong", reflection_minibatch_size=2),
        GEPA(max_metric_calls=5, reflection_lm="strong"),  # not even the valset: no iteration
    ],
)
def test_the_estimate_bounds_the_calls_made(options: GEPA):
    result = options.compile(pipe_task()[0])
    estimate = options.estimate_calls(TaskSizes(trainset=8, valset=8, run_calls=2, modules=2))
    assert estimate.upper_bound and result.lm_calls <= estimate.calls


def test_the_estimate_counts_the_last_iterations_overshoot_and_the_reflections():
    # 30 runs at most: the valset (4), then iterations of 3 + 3 (+ 4) runs; the last may start at 29. An
    # iteration whose proposal fails runs only 3 and asks twice (the engine's retry).
    estimate = ONE.estimate_calls(TaskSizes(trainset=6, valset=4, run_calls=1))
    assert estimate.calls == (29 + 6 + 4) + 2 * ((30 - 1 - 4) // 3 + 1)
    assert GEPA(max_metric_calls=4).estimate_calls(TaskSizes(trainset=6, valset=4, run_calls=3)).calls == 12


def test_a_budget_stops_gepa_with_the_candidates_scored_on_the_whole_valset():
    task, _ = classify_task()
    meter = Meter(Budget(max_lm_calls=12))  # the valset (4), iteration 1 (3 + 1 + 3), then 1 of candidate 1's 4
    result = run_optimizer(ONE, metered_task(task, meter))
    assert result.stopped is not None and "budget of 12 LM call(s)" in result.stopped
    assert [c.label for c in result.candidates] == ["candidate 0: the starting program"]
    assert result.params == task.start_params() and result.score == 0.0 and meter.spent().calls == 12
    assert result.frontier is not None and result.frontier.notes[0].startswith("iteration 1: candidate 0 on")

    meter = Meter(Budget(max_lm_calls=15))  # candidate 1 fully scored, then the next minibatch runs out
    result = run_optimizer(ONE, metered_task(task, meter))
    assert result.stopped and result.score == 100.0 and len(result.candidates) == 2


def test_a_budget_spent_before_the_start_is_scored_keeps_the_start():
    task, _ = classify_task()
    result = run_optimizer(ONE, metered_task(task, Meter(Budget(max_lm_calls=3))))
    assert result.stopped and result.score is None and result.candidates == () and result.frontier is None
    assert result.params == task.start_params()


def test_an_unreachable_reflection_lm_stops_the_run():
    def unreachable(prompt: str) -> str:
        raise LMError("openai/strong", "the connection was lost")

    task, _ = classify_task(reflector=Reflector(unreachable))
    with pytest.raises(LMError, match="the connection was lost"):
        ONE.compile(task)


def test_an_ensemble_after_gepa_takes_its_candidates():
    from lmc.optimize.ensemble import Ensemble

    result = MERGING.compile(pipe_task()[0])
    members = Ensemble(size=2).members(result.candidates)
    assert [m.label for m in members] == [
        "candidate 3: a merge of candidates 1 and 2 (iteration 3)",
        "candidate 1: candidate 0 with new instructions for `pipe.draft` (iteration 1)",
    ]


# ------------------------------------------------------------ lmc check

CHECKED = """
lm default = "local/smollm2"
lm strong = "openai/gpt-4o-mini" {{ api_key_env: "OPENAI_API_KEY" }}
signature Classify = "sentence -> label"
program classify(sentence: str) -> (label: str) {{
  module judge = Predict(Classify)
  return judge(sentence=sentence)
}}
metric accuracy = exact_match(label)
dataset train = "train.jsonl" {{ inputs: [sentence] }}
optimize classify {{ optimizer: {optimizer}, metric: accuracy, trainset: train }}
"""


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        ('GEPA { auto: "light", reflection_lm: strong }', []),
        ("GEPA { max_metric_calls: 50 }", []),
        ('[GEPA { auto: "light" }, Ensemble { size: 2 }]', []),  # its candidates carry their parameters
        (
            "GEPA { reflection_lm: strong }",
            [("E403", 'add `auto: "light"` (or "medium", "heavy"), `max_full_evals: N` or `max_metric_calls: N`')],
        ),
        ("GEPA { auto: none, max_full_evals: none }", [("E403", None)]),
        ('GEPA { auto: "light", max_full_evals: 2, max_metric_calls: 9 }', [("E407", None), ("E407", None)]),
        ('GEPA { auto: "light", reflection_lm: strnog }', [("E102", "did you mean `strong`?")]),
        ('GEPA { auto: "light", reflection_minibatch: 3 }', [("E401", "did you mean `reflection_minibatch_size`?")]),
        ('GEPA { auto: "ligth" }', [("E404", None)]),
        ('GEPA { auto: "light", candidate_selection_strategy: "best" }', [("E404", None)]),
        ('GEPA { auto: "light", use_merge: 1 }', [("E402", None)]),
    ],
)
def test_lmc_check_reads_gepas_options(tmp_path, optimizer: str, expected: list):
    from tests.test_checks import diagnose

    rows = "".join(json.dumps({"sentence": f"s{i}", "label": "x"}) + "\n" for i in range(4))
    found = diagnose(tmp_path, CHECKED.format(optimizer=optimizer), {"train.jsonl": rows})
    assert [d.code for d in found] == [code for code, _ in expected]
    for diagnostic, (_, help) in zip(found, expected, strict=True):
        if help is not None:
            assert diagnostic.help == help
