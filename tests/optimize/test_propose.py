"""The grounded proposer: DSPy's draws in DSPy's order, and proposals asked concurrently but taken in order."""

import random
import threading

import pytest

from lmc.optimize.core.base import CallCounter, Demo, DemoOrigin
from lmc.optimize.mipro.demo_sets import DemoSet
from lmc.optimize.mipro.propose import TIPS, GroundedProposer, ProposerSettings, rollout_temperature
from tests.optimize.fakes import default_params, pipeline_program
from tests.optimize.mipro_fakes import propose
from tests.optimize.prompt_fakes import ProposerLM

PROGRAM = pipeline_program()
START = default_params(PROGRAM)


def demo_sets(n: int) -> list[DemoSet]:
    """Set 0 without demos, then sets whose bootstrapped demos name the set."""
    sets = [DemoSet("zero-shot", {path: () for path in PROGRAM.module_paths})]
    for i in range(1, n):
        demos = {
            path: (Demo({name: f"set {i}" for name in ("question", "answer", "draft")}, DemoOrigin("bootstrapped", i)),)
            for path in PROGRAM.module_paths
        }
        sets.append(DemoSet(f"set {i}", demos))
    return sets


def proposer(lm, seed=7, **settings) -> GroundedProposer:
    return GroundedProposer(
        PROGRAM, START, lm, CallCounter(), ProposerSettings(**settings), random.Random(seed), lambda: "A summary."
    )


def test_draws_are_dspys_tip_then_rollout_per_module_and_demo_set_proposal_0_included():
    draws = proposer(ProposerLM(propose)).draws(demo_sets(6), 3)

    # DSPy's GroundedProposer: for each predictor, for demo_set_i in range(min(N, num_demos)):
    # rng.choice(list(TIPS)), then rng.randint(0, 10**9) for the rollout.
    rng = random.Random(7)
    expected = []
    for path in PROGRAM.module_paths:
        for index in range(3):
            tip = TIPS[rng.choice(list(TIPS))]
            expected.append((path, index, tip, rng.randint(0, 10**9)))
    assert [(d.path, d.index, d.tip, d.rollout) for d in draws] == expected


def test_without_tips_only_the_rollouts_are_drawn():
    draws = proposer(ProposerLM(propose), tip_aware=False).draws(demo_sets(2), 5)
    rng = random.Random(7)
    assert [d.rollout for d in draws] == [rng.randint(0, 10**9) for _ in range(2 * len(PROGRAM.module_paths))]
    assert {d.tip for d in draws} == {""}


def test_proposal_0_is_not_asked_and_each_proposal_is_asked_at_its_rollout_temperature():
    prompt = ProposerLM(propose)
    p = proposer(prompt)
    draws = p.draws(demo_sets(6), 3)
    found = proposer(prompt).propose(demo_sets(6), 3)

    asked = [q for q in prompt.log if q.outputs == ("proposed_instruction",)]
    assert len(asked) == 2 * len(PROGRAM.module_paths)
    assert sorted(q.temperature for q in asked) == sorted(
        rollout_temperature(1.0, d.rollout) for d in draws if d.index > 0
    )
    for path in PROGRAM.module_paths:
        assert found[path][0] == START[path].instructions and len(found[path]) == 3


def test_rollout_temperature_adds_a_small_offset_set_by_the_rollout():
    assert rollout_temperature(1.0, 0) == 1.01
    assert rollout_temperature(1.0, 10**9) == 1.05
    assert rollout_temperature(0.5, 123_456_789) == rollout_temperature(0.5, 123_456_789) != 0.5


def test_each_proposal_sees_its_demo_set_first():
    prompt = ProposerLM(propose)
    proposer(prompt).propose(demo_sets(4), 4)
    shown = {
        (q.inputs["module"], q.inputs["task_demos"].split("\n")[0])
        for q in prompt.log
        if q.outputs == ("proposed_instruction",)
    }
    first_module = {s for m, s in shown if m.startswith("Predict(question) -> draft")}
    assert first_module == {"Question: set 1", "Question: set 2", "Question: set 3"}


@pytest.mark.parametrize("program_aware", [True, False])
def test_threads_change_nothing_but_the_wall_time(program_aware):
    one, many = ProposerLM(propose), ProposerLM(propose)
    alone = proposer(one, program_aware=program_aware).propose(demo_sets(6), 6, threads=1)
    together = proposer(many, program_aware=program_aware).propose(demo_sets(6), 6, threads=8)
    assert alone == together
    assert sorted(map(repr, one.log)) == sorted(map(repr, many.log))  # the same requests, once each


def test_answers_that_arrive_out_of_order_are_taken_in_draw_order():
    """The first draw's proposal answers after all the others; the candidates keep the draw order."""
    sets = demo_sets(6)
    asked = [d for d in proposer(ProposerLM(propose)).draws(sets, 6) if d.index > 0]
    first = rollout_temperature(1.0, asked[0].rollout)
    others_done = threading.Event()
    answered: list[float] = []
    lock = threading.Lock()

    def first_answers_last(proposal):
        if proposal.temperature == first:
            assert others_done.wait(5)
        answer = propose(proposal)
        with lock:
            answered.append(proposal.temperature)
            if len(answered) == len(asked) - 1:
                others_done.set()
        return answer

    found = proposer(ProposerLM(first_answers_last), program_aware=False).propose(sets, 6, threads=8)
    expected = proposer(ProposerLM(propose), program_aware=False).propose(sets, 6, threads=1)
    assert answered[-1] == first
    assert found == expected


def test_descriptions_are_asked_once_per_example_set_however_many_threads_ask():
    prompt = ProposerLM(propose)
    proposer(prompt, fewshot_aware=False).propose(demo_sets(6), 6, threads=8)
    described = [q for q in prompt.log if q.outputs == ("program_description",)]
    modules = [q for q in prompt.log if q.outputs == ("module_description",)]
    assert len(described) == 1  # every proposal shows "No task demos provided."
    assert len(modules) == len(PROGRAM.module_paths)
