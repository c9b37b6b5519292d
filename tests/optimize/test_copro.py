import logging
import re
from dataclasses import replace

import pytest

from lmc.optimize import COPRO, OptionError, Task, create_optimizer
from lmc.optimize.core.base import DemoOrigin, metered_task
from lmc.optimize.core.budget import Budget, Meter
from lmc.runtime.errors import LMError
from lmc.runtime.signature import Params
from tests.optimize.fakes import (
    FakeLM,
    classify_program,
    correct_label,
    index_of,
    label_match,
    pipeline_program,
    questions,
    sentences,
)
from tests.optimize.prompt_fakes import ProposerLM, SharedLM

TRAIN = sentences(8)
VAL = sentences(4, prefix="v")
START = "Instructions of classify.judge."


def level(instructions: str) -> int:
    found = re.findall(r"level (\d)", instructions)
    return int(found[-1]) if found else 0


def student_answer(request):
    """Right on sentence ``i`` when the instructions say a level above ``i % 4``: higher levels score more."""
    i = index_of(request.inputs["sentence"])
    return {"label": correct_label(request.inputs["sentence"]) if i % 4 < level(request.instructions) else "WRONG"}


def propose(proposal):
    """First proposals: level 1 or 2 (from the temperature); later ones: one above the best attempt shown.

    The temperature is quoted too, so every sample is a distinct instruction.
    """
    t = proposal.temperature
    if "basic_instruction" in proposal.inputs:
        return {"proposed_instruction": f'"Label it, level {round(t * 1000) % 2 + 1} (t={t:.4f})."'}
    shown = [int(n) for n in re.findall(r"level (\d)", proposal.inputs["attempted_instructions"])]
    return {"proposed_instruction": f"Label it, level {min(max(shown) + 1, 4)} (t={t:.4f})."}


def copro_task(program=None, train=TRAIN, student=None, prompt=None, **kw):
    prompt = prompt or ProposerLM(propose)
    task = Task(
        program=program or classify_program(),
        trainset=train,
        valset=VAL,
        metric=label_match,
        lm=student or FakeLM(student_answer),
        lm_named={"proposer": prompt}.__getitem__,
        **kw,
    )
    return task, prompt


def test_proposes_scores_on_the_trainset_and_keeps_the_best():
    task, prompt = copro_task()
    result = COPRO(breadth=3, depth=2, prompt_model="proposer").compile(task)

    # Round 1: two proposals plus the starting instruction; round 2: three new ones.
    assert len(result.candidates) == 6
    assert [p.outputs for p in prompt.log] == [("proposed_instruction",)] * 5
    assert [p.inputs.get("basic_instruction") for p in prompt.log[:2]] == [START, START]
    # Every evaluation ran on the trainset, never on the valset.
    assert {r.inputs["sentence"] for r in task.lm.requests} == {e["sentence"] for e in TRAIN}
    assert len(task.lm.requests) == 6 * len(TRAIN)
    assert result.lm_calls == 5 + 6 * len(TRAIN)
    # The best instruction wins, cleaned of quotes; scores are percentages on the trainset.
    best = result.params["classify.judge"].instructions
    assert best.startswith("Label it, level ") and best.endswith(").")
    assert level(best) == 1 + max(
        level(c) for c in re.findall(r"«(.*?)»", prompt.log[2].inputs["attempted_instructions"])
    )
    assert result.score == level(best) * 25.0 == max(c.score for c in result.candidates)


def test_later_rounds_show_the_best_attempts_worst_first_with_scores():
    task, prompt = copro_task()
    COPRO(breadth=3, depth=2, prompt_model="proposer").compile(task)

    attempts = prompt.log[2].inputs["attempted_instructions"]
    lines = re.findall(r"«(.*?)»", attempts)
    scores = [float(line.split(": ")[1]) for line in lines if line.startswith("Resulting Score")]
    assert len(scores) == 3 and scores == sorted(scores)
    assert lines[0].startswith("Instruction #1: ") and lines[1].startswith("Resulting Score #1: ")
    assert not any("Prefix" in line for line in lines)  # lmc asks for no output prefix


def test_the_same_seed_gives_the_same_instructions_and_another_seed_other_samples():
    first = COPRO(breadth=4, depth=2, prompt_model="proposer").compile(copro_task(seed=3)[0])
    again = COPRO(breadth=4, depth=2, prompt_model="proposer").compile(copro_task(seed=3)[0])
    assert first.params == again.params and first.candidates == again.candidates

    def temperatures(seed):
        task, prompt = copro_task(seed=seed)
        COPRO(breadth=4, depth=1, prompt_model="proposer").compile(task)
        return [p.temperature for p in prompt.log]

    assert temperatures(3) == temperatures(3) != temperatures(4)


def test_each_sample_is_a_distinct_request_just_above_init_temperature():
    task, prompt = copro_task()
    COPRO(breadth=5, depth=1, init_temperature=0.7, prompt_model="proposer").compile(task)
    temps = [p.temperature for p in prompt.log]
    assert len(temps) == 4 and len(set(temps)) == 4
    assert all(0.71 <= t <= 0.75 for t in temps)


def test_several_modules_rescore_every_candidate_each_round():
    def pipe_answer(request):
        if request.path == "pipe.draft":
            return {"draft": "d"}
        return {"answer": "positive" if level(request.instructions) else "WRONG"}

    task, prompt = copro_task(program=pipeline_program(), train=questions(4), student=FakeLM(pipe_answer))
    task = replace(task, metric=lambda example, outputs: outputs["answer"] == example["label"])
    result = COPRO(breadth=2, depth=2, prompt_model="proposer").compile(task)

    # Round 1: 2 candidates per module; round 2: 2 old + 2 new per module.
    assert len(result.candidates) == 2 * 2 + 2 * 4
    assert [c.label.split(": ")[0] for c in result.candidates[:4]] == [
        "round 1/2 pipe.draft",
        "round 1/2 pipe.draft",
        "round 1/2 pipe.finish",
        "round 1/2 pipe.finish",
    ]
    assert level(result.params["pipe.finish"].instructions) > 0
    assert set(result.params) == {"pipe.draft", "pipe.finish"}


def test_demos_and_their_origins_are_kept():
    demo = {"sentence": "s1", "label": "negative"}
    start = {"classify.judge": Params(instructions=START, demos=(demo,))}
    origins = {"classify.judge": (DemoOrigin("labeled", 1),)}
    task, _ = copro_task(initial=start, initial_origins=origins)
    result = COPRO(breadth=2, depth=1, prompt_model="proposer").compile(task)
    assert result.params["classify.judge"].demos == (demo,)
    assert result.origins == origins


def test_the_task_lm_proposes_when_no_prompt_model_is_named():
    shared = SharedLM(FakeLM(student_answer), ProposerLM(propose))
    task = Task(program=classify_program(), trainset=TRAIN, metric=label_match, lm=shared)
    result = COPRO(breadth=2, depth=1).compile(task)
    assert len(shared.prompt.log) == 1 and len(result.candidates) == 2


def test_an_unparseable_proposal_is_skipped():
    def sometimes(proposal):
        return "no markers here" if round(proposal.temperature * 1000) % 2 else propose(proposal)

    task, prompt = copro_task(prompt=ProposerLM(sometimes))
    result = COPRO(breadth=6, depth=1, prompt_model="proposer").compile(task)
    # Each unparseable answer was retried once with the JSON adapter, then skipped.
    parsed = [p for p in prompt.log if "basic_instruction" in p.inputs and round(p.temperature * 1000) % 2 == 0]
    assert 0 < len(parsed) < 5
    assert len(result.candidates) == len(parsed) + 1


def test_an_unreachable_lm_stops_the_optimizer():
    def down(request):
        raise LMError("fake", "connection refused")

    task, _ = copro_task(student=FakeLM(down))
    with pytest.raises(LMError):
        COPRO(breadth=2, depth=1, prompt_model="proposer").compile(task)


def test_a_spent_budget_keeps_the_best_so_far():
    task, _ = copro_task()
    meter = Meter(Budget(max_lm_calls=2 + 8 * 2 + 3))  # two proposals, two evaluations, and a bit
    result = COPRO(breadth=3, depth=2, prompt_model="proposer").compile(metered_task(task, meter))
    assert result.stopped is not None
    assert len(result.candidates) == 2
    assert result.score == max(c.score for c in result.candidates)


def test_track_stats_logs_score_statistics(caplog):
    task, _ = copro_task()
    with caplog.at_level(logging.INFO, logger="lmc.optimize.copro"):
        COPRO(breadth=3, depth=2, track_stats=True, prompt_model="proposer").compile(task)
    stats = [r.getMessage() for r in caplog.records if "best ten" in r.getMessage()]
    assert len(stats) == 2 and stats[0].startswith("classify.judge round 1: newest max ")


def test_registry_defaults_are_dspys():
    assert create_optimizer("COPRO") == COPRO(breadth=10, depth=3, init_temperature=1.4, track_stats=False)
    with pytest.raises(OptionError, match="breadth"):
        create_optimizer("COPRO", {"breadth": 1})
    with pytest.raises(OptionError, match="at least 2"):
        COPRO(breadth=1)


def test_estimate_counts_proposals_and_trainset_evaluations():
    from lmc.optimize.core.base import TaskSizes

    one = COPRO(breadth=3, depth=2).estimate_calls(TaskSizes(trainset=8, valset=4, run_calls=1, modules=1))
    task, _ = copro_task()
    result = COPRO(breadth=3, depth=2, prompt_model="proposer").compile(task)
    assert one.calls == result.lm_calls and one.upper_bound
    two = COPRO(breadth=2, depth=2).estimate_calls(TaskSizes(trainset=4, valset=4, run_calls=2, modules=2))
    assert two.calls == 2 * (1 + 2) + (2 * 2 + 2 * 4) * 4 * 2


def test_on_the_valset_a_known_start_is_taken_and_every_clean_evaluation_is_handed_back():
    """A block without a valset scores COPRO's very rows: the baseline stands for the starting instruction,
    and the evaluations are the build's to take for its final scoring."""
    from lmc.optimize.core.base import params_key

    plain_task, _ = copro_task()
    plain = COPRO(breadth=3, depth=2, prompt_model="proposer").compile(replace(plain_task, valset=TRAIN))
    start = plain_task.start_params()
    task, _ = copro_task()
    known = replace(task, valset=task.trainset, known_scores={params_key(task.program, start): 0.0})
    result = COPRO(breadth=3, depth=2, prompt_model="proposer").compile(known)

    assert [(c.label, c.score) for c in result.candidates] == [(c.label, c.score) for c in plain.candidates]
    assert result.params == plain.params
    # The starting instruction (round 1's last candidate) was not run: one trainset fewer.
    assert len(known.lm.requests) == 6 * len(TRAIN) - len(TRAIN)
    assert START not in {r.instructions for r in known.lm.requests}
    assert result.measured[params_key(task.program, result.params)] == result.score
    assert len(result.measured) == 5  # every evaluation that ran: 2 + 3 proposals


def test_on_other_rows_nothing_known_is_taken_nor_handed_back():
    from lmc.optimize.core.base import params_key

    task, _ = copro_task()  # trainset and valset differ
    known = replace(task, known_scores={params_key(task.program, task.start_params()): 0.0})
    result = COPRO(breadth=3, depth=2, prompt_model="proposer").compile(known)
    assert len(known.lm.requests) == 6 * len(TRAIN)
    assert result.measured == {}


def test_an_evaluation_with_a_failed_row_is_not_handed_back():
    import json

    def flaky(request):
        if index_of(request.inputs["sentence"]) == 0 and request.instructions == START:
            raise ValueError("a run that fails")
        return student_answer(request)

    task, _ = copro_task(student=FakeLM(flaky))
    result = COPRO(breadth=3, depth=1, prompt_model="proposer").compile(replace(task, valset=task.trainset))
    assert len(result.candidates) == 3  # the starting instruction was scored, with its failed row
    handed = [json.loads(key)["classify.judge"]["instructions"] for key in result.measured]
    assert len(handed) == 2 and START not in handed


def test_with_every_lm_cached_a_program_scored_already_is_not_scored_again():
    """A repeated proposal (or a module's candidate scored again while the others kept theirs) is the very
    program on the very rows: with replayable LMs, its score is taken from the run's own scoring."""

    def same(proposal):
        return {"proposed_instruction": "Label it, level 2."}

    def run(replayable: bool):
        task, _ = copro_task(prompt=ProposerLM(same))
        return COPRO(breadth=3, depth=2, prompt_model="proposer").compile(replace(task, replayable=replayable)), task

    again, again_task = run(False)
    taken, taken_task = run(True)
    assert [(c.label, c.score) for c in taken.candidates] == [(c.label, c.score) for c in again.candidates]
    assert taken.params == again.params
    # Round 1: the proposal twice and the start; round 2: the proposal three times. Scored once each.
    assert len(again_task.lm.requests) == 6 * len(TRAIN)
    assert len(taken_task.lm.requests) == 2 * len(TRAIN)
