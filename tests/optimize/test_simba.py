"""SIMBA on scripted LMs: its steps, strategies, draws, estimate and budget.

The program's LM is a ``FakeLM`` whose answers depend on the rollout being
sampled (``current_rollout()``), the instructions and the demos, so each
step's buckets, percentiles and candidates are known in advance; the prompt
model is a ``ProposerLM`` that answers DSPy's ``OfferFeedback`` with advice.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from lmc.optimize import SIMBA, OptionError, Task, create_optimizer
from lmc.optimize.core.base import TaskSizes, metered_task, run_optimizer
from lmc.optimize.core.budget import Budget, Meter
from lmc.optimize.simba import OFFER_FEEDBACK, final_picks
from lmc.runtime.lm.rollout import current_rollout
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
from tests.optimize.prompt_fakes import Proposal, ProposerLM

RULE = "RULE: copy the label."
START = "Instructions of classify.judge."


def rollout_right(request: Request) -> dict:
    """Rollout 0 answers right, other rollouts wrong; the program's own LM is right once it has the rule."""
    rollout = current_rollout()
    right = rollout == 0 if rollout is not None else RULE in request.instructions
    return {"label": correct_label(request.inputs["sentence"]) if right else "WRONG"}


def graded(example, outputs) -> dict:
    right = outputs["label"] == example["label"]
    return {"score": float(right), "feedback": "right" if right else f"expected {example['label']}"}


def advising(log: list[Proposal], advice: dict[str, str] | None = None) -> ProposerLM:
    def propose(proposal: Proposal) -> dict | str:
        log.append(proposal)
        return {"discussion": "The worse run missed.", "module_advice": json.dumps(advice or {"classify.judge": RULE})}

    return ProposerLM(propose)


def simba_task(answer: Callable[[Request], Any], prompt: ProposerLM, n: int = 4, **kw: Any) -> tuple[Task, FakeLM]:
    lm = FakeLM(answer)
    kw.setdefault("program", classify_program())
    task = Task(trainset=sentences(n), metric=graded, lm=lm, lm_named=lambda name: prompt, **kw)
    return task, lm


RULES = SIMBA(bsize=2, num_candidates=2, max_steps=2, max_demos=0, prompt_model="prompt")


def test_rules_are_written_from_a_better_and_a_worse_run_and_the_best_winner_is_kept():
    proposals: list[Proposal] = []
    task, lm = simba_task(rollout_right, advising(proposals))
    result = RULES.compile(task)

    assert result.params["classify.judge"].instructions == f"{START}\n\n{RULE}"
    assert result.params["classify.judge"].demos == () and result.stopped is None
    assert [(c.label, c.score, c.chosen) for c in result.candidates] == [
        ("step 1/2: program 1 = program 0, a rule appended (minibatch)", 100.0, False),
        ("step 1/2: program 2 = program 0, a rule appended (minibatch)", 100.0, False),
        ("step 2/2: program 3 = program 1, a rule appended (minibatch)", 100.0, False),
        ("step 2/2: program 4 = program 1, a rule appended (minibatch)", 100.0, False),
        ("final: program 0 (the starting program) on the trainset", 0.0, False),
        ("final: program 1 on the trainset", 100.0, True),  # the first of the best
        ("final: program 3 on the trainset", 100.0, False),
    ]
    assert result.score == 100.0
    # Each step: 2 rows x 2 rollouts, a rule per bucket, 2 candidates x 2 rows; then 3 x 4 trainset runs.
    assert len(lm.requests) == 2 * (4 + 4) + 12 and len(proposals) == 4
    assert result.lm_calls == 32 == RULES.estimate_calls(TaskSizes(trainset=4, valset=4, run_calls=1)).calls


def test_on_the_valset_the_final_scorings_are_handed_back_to_the_build():
    """Trained on the block's valset, the very rows: each final scoring with no failed row is the build's."""
    from lmc.optimize.core.base import params_key

    task, _ = simba_task(rollout_right, advising([]))
    on_valset = RULES.compile(replace(task, valset=task.trainset))
    finals = [c for c in on_valset.candidates if c.label.startswith("final:")]
    assert on_valset.measured == {params_key(task.program, c.params): c.score for c in finals}
    assert on_valset.measured[params_key(task.program, on_valset.params)] == on_valset.score == 100.0

    other, _ = simba_task(rollout_right, advising([]))
    assert RULES.compile(replace(other, valset=sentences(4, prefix="v"))).measured == {}  # other rows


def test_a_final_scoring_with_a_failed_row_is_not_handed_back():
    from lmc.optimize.core.base import params_key

    def fails_once_with_the_rule(request: Request) -> dict:
        if current_rollout() is None and RULE in request.instructions and index_of(request.inputs["sentence"]) == 3:
            raise ValueError("a run that fails")
        return rollout_right(request)

    task, _ = simba_task(fails_once_with_the_rule, advising([]))
    result = RULES.compile(replace(task, valset=task.trainset))
    assert list(result.measured) == [params_key(task.program, task.start_params())]  # the rules' runs failed


def test_the_rule_prompt_is_dspys_offer_feedback_with_the_metrics_feedback():
    proposals: list[Proposal] = []
    task, _ = simba_task(rollout_right, advising(proposals))
    RULES.compile(task)
    first = proposals[0]
    assert first.outputs == ("discussion", "module_advice")
    assert OFFER_FEEDBACK.instructions.split("\n")[0] in first.system
    inputs = first.inputs
    row = json.loads(inputs["program_inputs"])["sentence"]
    gold = correct_label(row)
    assert json.loads(inputs["oracle_metadata"]) == {"label": gold}
    assert (inputs["better_reward_value"], inputs["worse_reward_value"]) == ("1.0", "0.0")
    assert json.loads(inputs["better_reward_info"]) == {"feedback": "right"}
    assert json.loads(inputs["worse_reward_info"]) == {"feedback": f"expected {gold}"}
    assert json.loads(inputs["better_program_trajectory"]) == [
        {"module_name": "classify.judge", "inputs": {"sentence": row}, "outputs": {"label": gold}}
    ]
    assert json.loads(inputs["worse_program_outputs"]) == {"label": "WRONG"}
    assert json.loads(inputs["module_names"]) == ["classify.judge"]
    assert inputs["program_code"].startswith("program classify(sentence: str) -> (label: str)")
    assert inputs["modules_defn"] == (
        "-" * 80 + "\nModule classify.judge\n\tInput Fields:\n\t\t1. `sentence` (str):\n\tOutput Fields:\n"
        "\t\t1. `label` (str):\n\tOriginal Instructions: \n\t\tInstructions of classify.judge.\n" + "-" * 80
    )


def test_same_seed_same_result_and_another_seed_is_as_reproducible():
    def run(seed: int):
        task, lm = simba_task(rollout_right, advising([]), n=6, seed=seed)
        options = SIMBA(bsize=2, num_candidates=3, max_steps=3, max_demos=2, prompt_model="prompt")
        return options.compile(task), lm.requests

    first, first_requests = run(0)
    again, again_requests = run(0)
    assert first == again and first_requests == again_requests
    other, _ = run(5)
    assert other == run(5)[0]


# ----------------------------------------------------------------- demos


def s0_only(request: Request) -> dict:
    """Right on s0 (and on every row once a demo is shown), wrong on the others."""
    sentence = request.inputs["sentence"]
    right = index_of(sentence) == 0 or bool(request.demos)
    return {"label": correct_label(sentence) if right else "WRONG"}


def dspy_draws(seed: int, buckets: int) -> list[str]:
    """The strategies DSPy's draws give one step of one model on two rows, a pool of one program.

    ``Random(seed)`` shuffles the trainset, draws a program for each sampled
    run (``choices`` of one), then for each bucket a source program and a
    strategy (no demo to drop: the Poisson draw is numpy's and takes none).
    """
    rng = random.Random(seed)
    rng.shuffle([0, 1])
    for _ in range(2):
        rng.choices([0], weights=[1.0], k=1)
    strategies = []
    for _ in range(buckets):
        rng.choices([0], weights=[1.0], k=1)
        strategies.append(rng.choice(["append_a_demo", "append_a_rule"]))
    return strategies


@pytest.mark.parametrize("seed", range(6))
def test_a_demo_is_the_best_runs_module_call_when_the_demo_strategy_is_drawn(seed: int):
    proposals: list[Proposal] = []
    task, _ = simba_task(s0_only, advising(proposals), n=2, seed=seed)
    result = SIMBA(bsize=2, num_candidates=1, max_steps=1, prompt_model="prompt").compile(task)
    first, _ = dspy_draws(seed, 2)
    # Runs: s0 scores 1 and s1 0, so p10 = 0.1 and p90 = 0.9. The s0 bucket comes first: a demo of its
    # run, or no rule (its worse run is the same run, at the 90th percentile); the s1 bucket is below p10.
    labels = [c.label for c in result.candidates]
    assert proposals == []
    if first == "append_a_demo":
        assert labels[0] == "step 1/1: program 1 = program 0, a demo appended (minibatch)"
        assert result.params["classify.judge"].demos == ({"sentence": "s0", "label": "positive"},)
        assert [(o.kind, o.index) for o in result.origins["classify.judge"]] == [("bootstrapped", 0)]
        assert result.score == 100.0
    else:
        assert labels[0] == "step 1/1: program 1 = program 0 (minibatch)"
        assert result.params["classify.judge"].demos == () and result.score == 50.0
    assert labels[1] == "step 1/1: program 2 = program 0 (minibatch)"


def test_a_module_holding_max_demos_drops_one_before_a_new_one():
    task, lm = simba_task(s0_only, advising([]), n=2)
    # Two samples per row, so the pool's best program is drawn beside the starting one.
    result = SIMBA(bsize=2, num_candidates=2, max_steps=4, max_demos=1, prompt_model="prompt").compile(task)
    labels = [c.label for c in result.candidates]
    assert any("a demo appended" in label for label in labels)
    # Holding max_demos, a module drops at least one (DSPy's rule), so none ever shows two.
    assert any("1 demo(s) dropped" in label for label in labels)
    assert max(len(r.demos) for r in lm.requests) == 1


def test_several_modules_get_their_own_advice_and_demo():
    proposals: list[Proposal] = []
    advice = {"pipe.draft": "Draft less.", "pipe.finish": "Answer the label."}

    def answer(request: Request) -> dict:
        rollout = current_rollout()
        right = rollout == 0 if rollout is not None else "Answer the label." in request.instructions
        if request.path == "pipe.draft":
            return {"draft": "d"}
        return {"answer": correct_label(request.inputs["question"]) if right else "WRONG"}

    def metric(example, outputs):
        return outputs["answer"] == example["label"]

    lm = FakeLM(answer)
    task = Task(
        program=pipeline_program(),
        trainset=questions(4),
        metric=metric,
        lm=lm,
        lm_named=lambda name: advising(proposals, advice),
    )
    result = SIMBA(bsize=2, num_candidates=2, max_steps=1, max_demos=0, prompt_model="p").compile(task)
    assert result.params["pipe.draft"].instructions == "Instructions of pipe.draft.\n\nDraft less."
    assert result.params["pipe.finish"].instructions == "Instructions of pipe.finish.\n\nAnswer the label."
    modules = proposals[0].inputs["modules_defn"]
    assert modules.count("-" * 80) == 3 and "Module pipe.draft" in modules and "Module pipe.finish" in modules
    assert json.loads(proposals[0].inputs["module_names"]) == ["pipe.draft", "pipe.finish"]
    assert json.loads(proposals[0].inputs["worse_reward_info"]) == {}  # a bool metric gives no feedback


# ------------------------------------------------------------ LMs, draws


def test_a_teacher_samples_first_and_the_program_lm_the_other_rollouts():
    seen: list[tuple[str, int | None]] = []

    def recording(name: str) -> Callable[[Request], dict]:
        def answer(request: Request) -> dict:
            seen.append((name, current_rollout()))
            return rollout_right(request)

        return answer

    task, _ = simba_task(recording("student"), advising([]), teacher_lm=FakeLM(recording("teacher")))
    SIMBA(bsize=2, num_candidates=3, max_steps=1, max_demos=0, prompt_model="p").compile(task)
    sampled = seen[:6]  # the first step's sampling: 3 models x 2 rows, model by model
    assert sampled == [("teacher", None)] * 2 + [("student", 1)] * 2 + [("student", 2)] * 2
    assert all(name == "student" and rollout is None for name, rollout in seen[6:])


def test_at_temperature_0_the_best_program_is_always_drawn():
    task, lm = simba_task(rollout_right, advising([]))
    options = SIMBA(bsize=2, num_candidates=2, max_steps=2, max_demos=0, prompt_model="p", temperature_for_sampling=0.0)
    options.compile(task)
    step_two = lm.requests[8:12]  # after step 1's 4 sampled and 4 scoring runs
    assert all(RULE in r.instructions for r in step_two)


def test_an_advice_that_does_not_parse_makes_no_candidate():
    asked: list[Proposal] = []

    def propose(proposal: Proposal) -> dict | str:
        asked.append(proposal)
        if len(asked) <= 2:  # the first answer, and its retry with the JSON adapter
            return "not the format"
        return {"discussion": "d", "module_advice": json.dumps({"classify.judge": RULE})}

    task, _ = simba_task(rollout_right, ProposerLM(propose))
    result = SIMBA(bsize=2, num_candidates=2, max_steps=1, max_demos=0, prompt_model="p").compile(task)
    assert [c.label for c in result.candidates][:1] == ["step 1/1: program 1 = program 0, a rule appended (minibatch)"]
    assert sum("minibatch" in c.label for c in result.candidates) == 1


def test_final_picks_are_dspys_evenly_spaced_winners():
    assert final_picks(8, 7) == [0, 1, 3, 4, 5, 7, 8]
    assert final_picks(2, 3) == [0, 1, 2]
    assert final_picks(1, 7) == [0, 1]
    assert final_picks(0, 7) == [0]


# ----------------------------------------------------- options and budget


def test_a_trainset_smaller_than_bsize_stops_before_any_call():
    task, lm = simba_task(rollout_right, advising([]), n=3)
    with pytest.raises(OptionError, match=r"SIMBA option `bsize`: 32 is more than the trainset's 3 rows"):
        SIMBA().compile(task)
    assert lm.requests == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bsize": 0}, "option `bsize`: must be at least 1, got 0"),
        ({"num_candidates": 0}, "option `num_candidates`: must be at least 1, got 0"),
        ({"temperature_for_sampling": -0.1}, "must be at least 0, got -0.1"),
        ({"max_demo": 2}, "SIMBA has no option `max_demo`"),
    ],
)
def test_bad_options_are_refused(options: dict, message: str):
    with pytest.raises(OptionError, match=message):
        create_optimizer("SIMBA", options)


@pytest.mark.parametrize(("bsize", "candidates", "steps"), [(2, 2, 2), (3, 3, 1), (3, 1, 2)])
def test_the_estimate_is_the_calls_made_when_every_used_bucket_gets_a_rule(bsize: int, candidates: int, steps: int):
    proposals: list[Proposal] = []
    task, lm = simba_task(rollout_right, advising(proposals), n=4)
    options = SIMBA(bsize=bsize, num_candidates=candidates, max_steps=steps, max_demos=0, prompt_model="p")
    if candidates == 1:  # one rollout: every bucket is one run, so no rule; the estimate is then a bound
        options.compile(task)
        assert options.estimate_calls(TaskSizes(4, 4, 1)).calls >= len(lm.requests) + len(proposals)
        return
    options.compile(task)
    estimate = options.estimate_calls(TaskSizes(trainset=4, valset=4, run_calls=1))
    assert estimate.upper_bound and estimate.calls == len(lm.requests) + len(proposals)


def test_a_budget_stops_it_with_the_pools_best_program():
    task, lm = simba_task(rollout_right, advising([]))
    meter = Meter(Budget(max_lm_calls=13))  # step 1 takes 10 calls; step 2's sampling runs out
    result = run_optimizer(RULES, metered_task(task, meter))
    assert result.stopped is not None and "budget of 13 LM call(s)" in result.stopped
    assert result.params["classify.judge"].instructions == f"{START}\n\n{RULE}"
    assert [(c.label, c.chosen) for c in result.candidates] == [
        ("step 1/2: program 1 = program 0, a rule appended (minibatch)", True),
        ("step 1/2: program 2 = program 0, a rule appended (minibatch)", False),
    ]
    assert result.score == 100.0 and meter.spent().calls == 13


def test_a_budget_spent_before_any_score_keeps_the_start():
    task, _ = simba_task(rollout_right, advising([]))
    result = run_optimizer(RULES, metered_task(task, Meter(Budget(max_lm_calls=3))))
    assert result.stopped and result.score is None and result.candidates == ()
    assert result.params == task.start_params()


# ------------------------------------------------------------ lmc check

CHECKED = """
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
        ("SIMBA { bsize: 4 }", []),
        ("[SIMBA { bsize: 4 }, Ensemble { size: 2 }]", []),  # its final candidates carry their parameters
        ("SIMBA { bsze: 4 }", [("E409", None), ("E401", "did you mean `bsize`?")]),  # and the default bsize, 32
        ("SIMBA { bsize: 4, temperature_for_sampling: -1 }", [("E404", None)]),
        ("SIMBA { bsize: 4, max_demos: 2.5 }", [("E402", None)]),
        ("SIMBA { bsize: 4, prompt_model: strong }", [("E102", None)]),
        ("SIMBA { bsize: 5 }", [("E409", "set `bsize: 4` or less, or add examples to train.jsonl")]),
    ],
)
def test_lmc_check_reads_simbas_options(tmp_path, optimizer: str, expected: list):
    from tests.test_checks import diagnose

    rows = "".join(json.dumps({"sentence": f"s{i}", "label": "x"}) + "\n" for i in range(4))
    found = diagnose(tmp_path, CHECKED.format(optimizer=optimizer), {"train.jsonl": rows})
    assert [d.code for d in found] == [code for code, _ in expected]
    for diagnostic, (_, help) in zip(found, expected, strict=True):
        if help is not None:
            assert diagnostic.help == help


def test_an_ensemble_after_simba_takes_its_final_candidates():
    from lmc.optimize.ensemble import Ensemble

    task, _ = simba_task(rollout_right, advising([]))
    result = RULES.compile(task)
    members = Ensemble(size=2).members(result.candidates)
    assert [m.label for m in members] == ["final: program 1 on the trainset", "final: program 3 on the trainset"]
