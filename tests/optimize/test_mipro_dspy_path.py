"""MIPROv2 draws what DSPy's draws: the same generator sequence, the same sampler path, whatever the threads."""

import random
import re
import threading
import warnings
from collections import Counter

import optuna
import pytest
from optuna.distributions import CategoricalDistribution

from lmc.optimize import MIPROv2
from lmc.optimize.core.base import metered_task
from lmc.optimize.core.budget import Budget, Meter
from lmc.optimize.mipro.propose import TIPS
from tests.optimize.fakes import FakeLM
from tests.optimize.mipro_fakes import MANUAL, TRAIN, VAL, mipro_task, propose, task_answer
from tests.optimize.prompt_fakes import ProposerLM

SEED = 9  # the block's seed 0 plus DSPy's default 9


def run(task=None, **options):
    return MIPROv2(**{**MANUAL, **options}).compile(task or mipro_task())


def chosen(label: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"(?:instruction|demo set) (\d+)", label))


def test_the_trials_walk_dspys_sampler_path_past_the_startup_trials():
    """DSPy's loop, replayed with optuna alone on lmc's scores, chooses what lmc chose, trial by trial."""
    result = run(minibatch=False, num_trials=14)  # optuna's TPE takes over from random after 10 trials
    instructions, sets = 4, 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=SEED, multivariate=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    names = {"0_predictor_instruction": instructions, "0_predictor_demos": sets}
    distributions = {name: CategoricalDistribution(range(n)) for name, n in names.items()}
    default = result.candidates[0]
    study.add_trial(
        optuna.trial.create_trial(params=dict.fromkeys(names, 0), distributions=distributions, value=default.score)
    )
    for candidate in result.candidates[1:]:
        trial = study.ask()
        dspy = tuple(trial.suggest_categorical(name, range(n)) for name, n in names.items())
        assert dspy == chosen(candidate.label), candidate.label
        study.tell(trial, candidate.score)
    assert len({chosen(c.label) for c in result.candidates}) > 2


def test_the_generator_is_drawn_in_dspys_order_down_to_the_minibatches():
    """Demo sets, then tips and rollouts (proposal 0's too), then one minibatch per sampled trial."""
    task_lm = FakeLM(task_answer, "task")
    counts: list[int] = []
    task = mipro_task(task_lm=task_lm, on_candidate=lambda label, score: counts.append(len(task_lm.requests)))
    run(task, minibatch_size=3)

    rng = random.Random(SEED)
    rng.shuffle(list(range(len(TRAIN))))  # demo set seed 0 (sets -3, -2, -1 draw nothing)
    rng.randint(1, MANUAL["max_bootstrapped_demos"])
    for _ in range(MANUAL["num_candidates"]):  # one module, one proposal per demo set
        rng.choice(list(TIPS))
        rng.randint(0, 10**9)
    roles = MIPROv2(**MANUAL).plan(MIPROv2(**MANUAL).sizes(1, len(VAL)))
    segments = [task_lm.requests[a:b] for a, b in zip([0, *counts[:-1]], counts, strict=True)]
    for role, segment in zip(roles, segments, strict=True):
        rows = {r.inputs["sentence"] for r in segment if r.inputs["sentence"].startswith("v")}
        if role == "sampled":
            assert rows == {VAL[i]["sentence"] for i in rng.sample(range(len(VAL)), 3)}


def test_threads_give_the_same_search():
    alone, together = ProposerLM(propose), ProposerLM(propose)
    one = run(mipro_task(prompt=alone, threads=1))
    many = run(mipro_task(prompt=together, threads=8))
    assert one.candidates == many.candidates and one.params == many.params and one.lm_calls == many.lm_calls
    assert Counter(map(repr, alone.log)) == Counter(map(repr, together.log))


def test_a_resumed_run_replays_the_sampler_s_earlier_draws_and_chooses_as_an_uninterrupted_one(tmp_path):
    """The resumed run replays the earlier draws from the study before drawing its own."""
    counts: list[int] = []
    counted = FakeLM(task_answer, "task")
    task = mipro_task(task_lm=counted, on_candidate=lambda label, score: counts.append(len(counted.requests)))
    uninterrupted = run(task, minibatch=False, num_trials=14)
    calls = 0

    def interrupted(request):
        nonlocal calls
        calls += 1
        if calls == counts[5] + 2:  # in slot 6: its random draw is the sixth of the sampler
            raise KeyboardInterrupt
        return task_answer(request)

    with pytest.raises(KeyboardInterrupt):
        run(mipro_task(task_lm=FakeLM(interrupted, "task"), state_dir=tmp_path), minibatch=False, num_trials=14)
    storage = f"sqlite:///{tmp_path / 'optuna.sqlite3'}"
    (summary,) = optuna.get_all_study_summaries(storage)
    done = optuna.load_study(study_name=summary.study_name, storage=storage).get_trials(
        states=(optuna.trial.TrialState.COMPLETE,)
    )
    assert len(done) == 6
    resumed = run(mipro_task(state_dir=tmp_path), minibatch=False, num_trials=14)
    assert resumed.candidates == uninterrupted.candidates and resumed.params == uninterrupted.params


def test_the_data_summary_runs_beside_the_bootstraps():
    """The summary's first request waits for a bootstrap request: it cannot come after all of them."""
    bootstrapping = threading.Event()

    def answer(request):
        bootstrapping.set()
        return task_answer(request)

    def summary_waits(proposal):
        if proposal.outputs == ("observations",) and "prior_observations" not in proposal.inputs:
            assert bootstrapping.wait(5), "the summary ran before the bootstraps, not beside them"
        return propose(proposal)

    task = mipro_task(task_lm=FakeLM(answer, "task"), prompt=ProposerLM(summary_waits), threads=4)
    assert run(task).score is not None


def test_the_descriptions_do_not_wait_for_the_data_summary():
    """The summary's last request waits for a program description: proposals ask for the summary last."""
    described = threading.Event()

    def summary_waits(proposal):
        if proposal.outputs == ("program_description",):
            described.set()
        if proposal.outputs == ("summary",):
            assert described.wait(5), "the descriptions waited for the summary"
        return propose(proposal)

    prompt = ProposerLM(summary_waits)
    run(mipro_task(prompt=prompt, threads=4))
    proposals = [p for p in prompt.log if p.outputs == ("proposed_instruction",)]
    assert proposals and all(
        p.inputs["dataset_description"] == "Sentences labeled positive or negative." for p in proposals
    )


def test_under_a_limited_budget_the_summary_comes_after_the_bootstraps():
    order: list[str] = []
    task_lm = FakeLM(lambda r: order.append("task") or task_answer(r), "task")
    prompt = ProposerLM(lambda p: order.append(p.outputs[0]) or propose(p))
    meter = Meter(Budget(max_lm_calls=10_000))
    run(metered_task(mipro_task(task_lm=task_lm, prompt=prompt), meter))
    first_summary = order.index("observations")
    assert "task" in order[:first_summary]
    assert order[first_summary:].index("task") > order[first_summary:].index("summary")  # then the proposals


def test_a_new_study_s_trial_0_is_scored_beside_the_candidates_with_the_same_result():
    """The starting program's evaluation needs no candidate: it runs while they are made, and changes nothing."""
    order: list[str] = []
    task_lm = FakeLM(lambda r: order.append(r.inputs["sentence"][0]) or task_answer(r), "task")
    prompt = ProposerLM(lambda p: order.append(p.outputs[0]) or propose(p))
    beside = run(mipro_task(task_lm=task_lm, prompt=prompt, threads=4))
    assert "v" in order[: order.index("proposed_instruction")]  # valset rows before the first proposal

    unlimited = Meter(Budget(max_lm_calls=10**6))  # a budget: everything one at a time, in DSPy's order
    order.clear()
    alone = run(metered_task(mipro_task(task_lm=task_lm, prompt=prompt, threads=4), unlimited))
    assert "v" not in order[: order.index("proposed_instruction")]
    assert alone.candidates == beside.candidates and alone.params == beside.params
    assert alone.lm_calls == beside.lm_calls


def test_trial_0_waits_for_the_search_when_the_study_may_have_it(tmp_path):
    run(mipro_task(state_dir=tmp_path))
    order: list[str] = []
    task_lm = FakeLM(lambda r: order.append(r.inputs["sentence"][0]) or task_answer(r), "task")
    prompt = ProposerLM(lambda p: order.append(p.outputs[0]) or propose(p))
    run(mipro_task(task_lm=task_lm, prompt=prompt, state_dir=tmp_path, threads=4))
    assert "v" not in order  # the study has every slot: nothing scores the starting program again
