import dataclasses
import json
import logging
import subprocess
import sys
from collections import Counter
from pathlib import Path

import optuna
import pytest

from lmc.optimize import MIPROv2, OptionError, create_optimizer
from lmc.optimize.core.base import DemoOrigin, TaskSizes, metered_task
from lmc.optimize.core.budget import Budget, Meter
from lmc.optimize.mipro import study as study_module
from lmc.optimize.mipro.options import Sizes
from lmc.optimize.mipro.propose import TIPS
from lmc.optimize.mipro.study import StudyError
from lmc.runtime.errors import LMError
from lmc.runtime.signature import Params
from tests.optimize.fakes import FakeLM
from tests.optimize.mipro_fakes import MANUAL, TRAIN, VAL, mipro_task, propose, task_answer
from tests.optimize.prompt_fakes import ProposerLM

ROOT = Path(__file__).resolve().parents[2]


def run(task=None, **options):
    return MIPROv2(**{**MANUAL, **options}).compile(task or mipro_task())


def slots(storage: str) -> Counter:
    """How many completed trials each slot has in every study of ``storage``."""
    counts: Counter = Counter()
    for summary in optuna.get_all_study_summaries(storage):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        counts.update(t.user_attrs["slot"] for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))
    return counts


# ------------------------------------------------------------------ sizes


@pytest.mark.parametrize(
    ("auto", "zero_shot", "modules", "expected"),
    [
        # DSPy: n instruction candidates in zero-shot mode, n / 2 otherwise; trials max(2 v log2 n, 1.5 n).
        ("light", False, 1, Sizes(3, 6, 10, False, 100)),
        ("light", True, 1, Sizes(6, 6, 9, False, 100)),
        ("medium", False, 1, Sizes(6, 12, 18, False, 300)),
        ("heavy", False, 2, Sizes(9, 18, 33, False, 1000)),
        ("heavy", True, 3, Sizes(18, 18, 27, False, 1000)),
    ],
)
def test_auto_sizes_are_dspys(auto, zero_shot, modules, expected):
    demos = {"max_bootstrapped_demos": 0, "max_labeled_demos": 0} if zero_shot else {}
    assert MIPROv2(auto=auto, **demos).sizes(modules, valset=40) == expected


def test_auto_uses_minibatches_only_for_a_valset_of_more_than_50_rows():
    assert not MIPROv2().sizes(1, valset=50).minibatch
    assert MIPROv2().sizes(1, valset=51).minibatch
    assert not MIPROv2(auto="medium").sizes(1, valset=50).minibatch


def test_plan_interleaves_full_evaluations_like_dspy():
    def plan(trials, steps, minibatch=True):
        options = MIPROv2(auto=None, num_candidates=3, num_trials=trials, minibatch_full_eval_steps=steps)
        return "".join(r[0] for r in options.plan(Sizes(3, 3, trials, minibatch)))

    # DSPy's adjusted_num_trials: num_trials + num_trials // steps + 1 (+ 1 when steps do not divide).
    assert plan(10, 5) == "dsssssfsssssf"
    assert plan(7, 5) == "dsssssfssf"
    assert plan(3, 5) == "dsssf"
    assert plan(4, 1) == "dsfsfsfsf"
    assert plan(4, 5, minibatch=False) == "dssss"


# --------------------------------------------------------------- search


def test_search_scores_trials_and_keeps_the_best_full_evaluation():
    task = mipro_task()
    result = run(task)

    roles = MIPROv2(**MANUAL).plan(MIPROv2(**MANUAL).sizes(1, len(VAL)))
    assert len(result.candidates) == len(roles)
    assert result.candidates[0].label == "trial 0 (starting program): classify.judge: instruction 0, demo set 0"
    full = [c.score for c, role in zip(result.candidates, roles, strict=True) if role != "sampled"]
    assert result.score == max(full)
    # The chosen params are the candidates of the best full evaluation.
    best = next(c for c, r in zip(result.candidates, roles, strict=True) if r != "sampled" and c.score == result.score)
    instruction = int(best.label.split("instruction ")[1].split(",")[0])
    assert (instruction == 0) == (result.params["classify.judge"].instructions == "Instructions of classify.judge.")
    assert len(result.params["classify.judge"].demos) == len(result.origins["classify.judge"])
    # The default LM was never used: task_model and prompt_model serve every call.
    assert task.lm.requests == []


def test_trial_0_takes_the_score_the_build_measured_for_the_starting_program(caplog):
    """Trial 0 is the block's baseline in a chain's first step: the build's clean score of it is taken, and
    the valset is not run for it. With another task model, that score does not stand for trial 0's."""
    from lmc.optimize.core.base import params_key
    from tests.optimize.mipro_fakes import VAL

    def task_with(**kw):
        lm = FakeLM(task_answer, "task")
        task = mipro_task(**kw)
        return dataclasses.replace(task, lm=lm, lm_named={"task": lm, "proposer": ProposerLM(propose)}.__getitem__)

    plain = task_with()
    start = plain.start_params()
    known = {params_key(plain.program, start): 33.33}  # no mean of 8 rows: taken, not computed
    measured = task_with(known_scores=known)
    options = {"task_model": None, "num_threads": 1}
    with caplog.at_level(logging.INFO, logger="lmc.optimize.mipro.run"):
        taken = MIPROv2(**{**MANUAL, **options}).compile(measured)
    scored = MIPROv2(**{**MANUAL, **options}).compile(plain)
    assert taken.candidates[0].label.startswith("trial 0 (starting program)")
    assert taken.candidates[0].score == 33.33 and scored.candidates[0].score != 33.33
    assert "trial 0: scored already, on the same rows (33.33%)" in caplog.text
    assert len(plain.lm.requests) - len(measured.lm.requests) == len(VAL)  # trial 0's run of the valset
    other = task_with(known_scores=known)
    assert MIPROv2(**{**MANUAL, **options, "task_model": "task"}).compile(other).candidates[0].score != 33.33


def test_task_model_runs_the_program_and_prompt_model_proposes():
    task_lm, prompt = FakeLM(task_answer, "task"), ProposerLM(propose)
    result = run(mipro_task(task_lm=task_lm, prompt=prompt))

    asked = Counter(p.outputs[0] for p in prompt.log)
    # A data summary (two batches of 10 rows, then the summary), then per proposal its descriptions.
    assert asked["observations"] == 2 and asked["summary"] == 1
    assert asked["proposed_instruction"] == 3  # num_candidates - 1: candidate 0 is the starting instruction
    assert asked["program_description"] <= 3 and asked["module_description"] <= 3
    # Trials ran on the valset, bootstrapping on the trainset, both with the task model.
    sentences = {r.inputs["sentence"] for r in task_lm.requests}
    assert sentences <= {e["sentence"] for e in TRAIN + VAL}
    assert result.lm_calls == len(task_lm.requests) + len(prompt.log)


def test_proposals_are_grounded_in_data_program_demos_and_tips():
    prompt = ProposerLM(propose)
    run(mipro_task(prompt=prompt), seed=5)

    proposals = [p for p in prompt.log if p.outputs == ("proposed_instruction",)]
    for p in proposals:
        assert p.inputs["dataset_description"] == "Sentences labeled positive or negative."
        assert p.inputs["program_code"].startswith("program classify(sentence: str) -> (label: str)")
        assert "module classify.judge = Predict(Judge)" in p.inputs["program_code"]
        assert p.inputs["module"] == "Predict(sentence) -> label"
        assert p.inputs["basic_instruction"] == "Instructions of classify.judge."
        assert 1.01 <= p.temperature <= 1.05  # init_temperature plus a seeded offset
    # Bootstrapped demos are shown as DSPy's "Field: value" lines.
    assert any(p.inputs["task_demos"].startswith("Sentence: s") for p in proposals)
    tips = [p.inputs.get("tip") for p in proposals]  # the "none" tip leaves the field out
    assert all(t is None or t in TIPS.values() for t in tips) and any(t is not None for t in tips)


def test_the_same_seed_gives_the_same_search_and_another_seed_another():
    first, again = run(seed=3), run(seed=3)
    assert first.params == again.params and first.candidates == again.candidates
    assert run(seed=4).candidates != first.candidates
    # The block's seed drives it when the option is none: seed + 9.
    assert run(mipro_task(seed=1)).candidates == run(seed=10).candidates


def test_minibatch_trials_score_minibatches_and_full_evaluations_the_whole_valset():
    task_lm = FakeLM(task_answer, "task")
    result = run(mipro_task(task_lm=task_lm), minibatch_size=3)
    roles = MIPROv2(**MANUAL).plan(MIPROv2(**MANUAL).sizes(1, len(VAL)))
    valset_requests = [r for r in task_lm.requests if r.inputs["sentence"].startswith("v")]
    rows = {"default": len(VAL), "full": len(VAL), "sampled": 3}
    # Every trial ran exactly its rows, except a full evaluation of a combination already fully scored.
    assert len(valset_requests) <= sum(rows[r] for r in roles)
    assert len(valset_requests) >= sum(rows[r] for r in roles if r != "full") + len(VAL)
    minibatch_scores = {c.score for c, r in zip(result.candidates, roles, strict=True) if r == "sampled"}
    assert minibatch_scores <= {0.0, 33.33, 66.67, 100.0}


def test_full_evaluation_picks_the_best_mean_minibatch_combination_not_yet_fully_scored():
    result = run(num_trials=8, minibatch_full_eval_steps=2)
    roles = MIPROv2(**MANUAL).plan(Sizes(4, 4, 8, True))
    seen: dict[str, list[float]] = {}
    fully: set[str] = set()
    for candidate, role in zip(result.candidates, roles, strict=True):
        combo = candidate.label.split(": ", 1)[1]
        if role == "sampled":
            seen.setdefault(combo, []).append(candidate.score)
        elif role == "full":
            left = [c for c in seen if c not in fully] or list(seen)
            best = max(left, key=lambda c: sum(seen[c]) / len(seen[c]))
            assert sum(seen[combo]) / len(seen[combo]) == sum(seen[best]) / len(seen[best])
            fully.add(combo)


def test_zero_shot_mode_searches_instructions_only_and_keeps_the_demos():
    demo = {"sentence": "s1", "label": "negative"}
    start = {"classify.judge": Params(instructions="Instructions of classify.judge.", demos=(demo,))}
    origins = {"classify.judge": (DemoOrigin("labeled", 1),)}
    prompt = ProposerLM(propose)
    task = mipro_task(prompt=prompt, initial=start, initial_origins=origins)
    result = run(task, max_bootstrapped_demos=0, max_labeled_demos=0)

    assert all("demo set" not in c.label for c in result.candidates)
    assert result.params["classify.judge"].demos == (demo,)
    assert result.origins == origins
    # The prompt model still saw bootstrapped demos.
    shown = [p.inputs["task_demos"] for p in prompt.log if p.outputs == ("proposed_instruction",)]
    assert any(s.startswith("Sentence: ") for s in shown)


def test_proposer_switches_leave_their_part_out():
    prompt = ProposerLM(propose)
    run(
        mipro_task(prompt=prompt),
        data_aware_proposer=False,
        program_aware_proposer=False,
        tip_aware_proposer=False,
        fewshot_aware_proposer=False,
    )
    assert {p.outputs for p in prompt.log} == {("proposed_instruction",)}
    for p in prompt.log:
        assert set(p.inputs) == {"task_demos", "basic_instruction"}
        assert p.inputs["task_demos"] == "No task demos provided."


def test_an_unparseable_proposal_is_skipped_and_a_failed_summary_left_out():
    def bad(proposal):
        if proposal.outputs == ("observations",):
            return "no fields"
        return propose(proposal)

    prompt = ProposerLM(bad)
    result = run(mipro_task(prompt=prompt))
    proposals = [p for p in prompt.log if p.outputs == ("proposed_instruction",)]
    assert proposals and all("dataset_description" not in p.inputs for p in proposals)
    assert result.score is not None


def test_manual_minibatch_larger_than_the_valset_is_refused():
    with pytest.raises(OptionError, match="minibatch_size"):
        run(minibatch_size=len(VAL) + 1)
    assert run(minibatch_size=len(VAL) + 1, minibatch=False).score is not None


# ---------------------------------------------------------------- errors


def test_an_unreachable_lm_stops_the_search_and_the_trial_is_not_scored(tmp_path):
    calls = 0

    def fails_later(request):
        nonlocal calls
        calls += 1
        if calls > 60:
            raise LMError("task", "connection refused")
        return task_answer(request)

    storage = f"sqlite:///{tmp_path / 'o.db'}"
    with pytest.raises(LMError):
        run(mipro_task(task_lm=FakeLM(fails_later), storage=storage, study="s"))
    # The trial it cut short went back to the queue, unscored, for a later run.
    study = optuna.load_study(study_name="s", storage=storage)
    assert not study.get_trials(states=(optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.FAIL))
    waiting = study.get_trials(states=(optuna.trial.TrialState.WAITING,))
    completed = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert completed and waiting[0].user_attrs["slot"] == len(completed) and waiting[0].value is None


def test_a_spent_budget_keeps_the_best_full_evaluation_so_far():
    task = mipro_task()
    complete = run(mipro_task())
    meter = Meter(Budget(max_lm_calls=complete.lm_calls - 10))
    result = MIPROv2(**MANUAL).compile(metered_task(task, meter))
    assert result.stopped is not None
    assert len(result.candidates) < len(complete.candidates)
    assert result.score is not None


# -------------------------------------------------------- storage, workers


def test_resumes_from_the_state_folder_after_an_interruption(tmp_path):
    uninterrupted = run(num_trials=8)
    calls = 0

    def interrupted(request):
        nonlocal calls
        calls += 1
        if calls == 40:
            raise KeyboardInterrupt
        return task_answer(request)

    with pytest.raises(KeyboardInterrupt):
        run(mipro_task(task_lm=FakeLM(interrupted, "task"), state_dir=tmp_path), num_trials=8)
    storage = f"sqlite:///{tmp_path / 'optuna.sqlite3'}"
    done_before = sum(slots(storage).values())
    assert 0 < done_before < len(uninterrupted.candidates)

    task_lm = FakeLM(task_answer, "task")
    resumed = run(mipro_task(task_lm=task_lm, state_dir=tmp_path), num_trials=8)
    # Every slot once; the completed ones were not run again; the result is the uninterrupted one.
    assert slots(storage) == Counter(range(len(uninterrupted.candidates)))
    assert resumed.candidates == uninterrupted.candidates
    assert resumed.params == uninterrupted.params and resumed.score == uninterrupted.score
    again = FakeLM(task_answer, "task")
    run(mipro_task(task_lm=again, state_dir=tmp_path), num_trials=8)
    assert not any(r.inputs["sentence"].startswith("v") for r in again.requests)  # nothing left to score


def other_instructions(proposal):
    if proposal.outputs == ("proposed_instruction",):
        return {"proposed_instruction": "Other, level 3."}
    return propose(proposal)


def test_a_private_study_made_with_other_candidates_is_replaced(tmp_path, caplog):
    run(mipro_task(state_dir=tmp_path))
    with caplog.at_level(logging.WARNING, logger="lmc.optimize.mipro.study"):
        result = run(mipro_task(prompt=ProposerLM(other_instructions), state_dir=tmp_path))
    assert any("replacing the stale study" in r.getMessage() for r in caplog.records)
    assert "Other, level 3." in {p.instructions for p in result.params.values()}
    assert sum(slots(f"sqlite:///{tmp_path / 'optuna.sqlite3'}").values()) == len(result.candidates)


def test_a_worker_with_other_candidates_cannot_join_a_shared_study(tmp_path):
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    run(mipro_task(storage=shared, study="s"))
    with pytest.raises(StudyError, match="made with other candidates"):
        run(mipro_task(prompt=ProposerLM(other_instructions), storage=shared, study="s"))


def test_two_workers_share_one_sqlite_study(tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    outs = [tmp_path / f"worker{i}.json" for i in range(2)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.optimize.mipro_worker",
                storage,
                "shared",
                str(out),
                "--delay",
                "0.02",
                "--trials",
                "12",
            ],
            cwd=ROOT,
        )
        for out in outs
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    results = [json.loads(out.read_text()) for out in outs]

    assert results[0]["params"] == results[1]["params"] and results[0]["score"] == results[1]["score"]
    ran = results[0]["ran"] + results[1]["ran"]
    counts = slots(storage)
    assert len(ran) == sum(counts.values()) == len(counts)  # every slot completed once, by one worker
    assert set(counts) == set(range(len(counts)))
    assert results[0]["ran"] and results[1]["ran"], "both workers should have run trials"


def test_a_killed_worker_s_trial_is_run_again_after_its_heartbeat_goes_stale(tmp_path, monkeypatch):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    out = tmp_path / "killed.json"
    killed = subprocess.run(
        [sys.executable, "-m", "tests.optimize.mipro_worker", storage, "s", str(out), "--kill-after", "40"],
        cwd=ROOT,
    )
    assert killed.returncode == -9 and not out.exists()
    study = optuna.load_study(study_name="s", storage=storage)
    assert len(study.get_trials(states=(optuna.trial.TrialState.RUNNING,))) == 1

    monkeypatch.setattr(study_module, "HEARTBEAT_SECONDS", 1)
    monkeypatch.setattr(study_module, "GRACE_SECONDS", 1)
    result = run(mipro_task(storage=storage, study="s"))
    assert slots(storage) == Counter(range(len(result.candidates)))  # every slot once, the killed one too
    assert len(result.candidates) == len(run().candidates)


def killed_private_run(state_dir: Path, *kill: str) -> optuna.trial.FrozenTrial:
    """Run the search in a worker keeping its study in ``state_dir``, killed as ``kill`` says: the trial it ran."""
    worker = [sys.executable, "-m", "tests.optimize.mipro_worker", "-", "-", str(state_dir / "out.json")]
    killed = subprocess.run([*worker, "--state-dir", str(state_dir), *kill], cwd=ROOT)
    assert killed.returncode == -9
    storage = f"sqlite:///{state_dir / 'optuna.sqlite3'}"
    (summary,) = optuna.get_all_study_summaries(storage)
    study = optuna.load_study(study_name=summary.study_name, storage=storage)
    (running,) = study.get_trials(states=(optuna.trial.TrialState.RUNNING,))
    # As if the run were started again at once: the killed trial's heartbeat is fresh.
    optuna.storages.RDBStorage(storage).record_heartbeat(running._trial_id)
    return running


def test_a_run_resumed_after_a_kill_waits_for_the_killed_trial_and_chooses_as_an_uninterrupted_one(
    tmp_path, monkeypatch
):
    # The sampler draws at random for its first 10 trials, whatever their scores: the killed slot must be later.
    uninterrupted = run(num_trials=10)
    running = killed_private_run(tmp_path, "--trials", "10", "--kill-after", "60")
    assert (running.user_attrs["slot"], running.user_attrs["role"]) == (9, "full")

    monkeypatch.setattr(study_module, "GRACE_SECONDS", 2)
    resumed = run(mipro_task(state_dir=tmp_path), num_trials=10)
    # Not a later slot first, sampled without the killed one's score: the killed slot, then the rest, in order.
    assert resumed.candidates == uninterrupted.candidates
    assert resumed.params == uninterrupted.params and resumed.score == uninterrupted.score
    assert slots(f"sqlite:///{tmp_path / 'optuna.sqlite3'}") == Counter(range(len(uninterrupted.candidates)))


def test_a_run_killed_while_it_gave_a_sampled_trial_its_parameters_resumes(tmp_path, monkeypatch):
    uninterrupted = run()
    # Parameter writes: slot 0 (the starting program), slots 1 and 2 (sampled), 3 (full), 4 (sampled): killed there.
    running = killed_private_run(tmp_path, "--kill-in-claim", "5")
    assert (running.user_attrs["slot"], running.user_attrs["role"], len(running.params)) == (4, "sampled", 1)

    monkeypatch.setattr(study_module, "GRACE_SECONDS", 1)
    resumed = run(mipro_task(state_dir=tmp_path))
    assert resumed.candidates == uninterrupted.candidates
    assert resumed.params == uninterrupted.params and resumed.score == uninterrupted.score


# ---------------------------------------------------------------- options


def test_registry_defaults_are_dspys():
    assert create_optimizer("MIPROv2") == MIPROv2(auto="light", max_bootstrapped_demos=4, max_labeled_demos=4)
    assert MIPROv2().init_temperature == 1.0 and MIPROv2().minibatch_size == 35
    with pytest.raises(OptionError, match="auto: none"):
        create_optimizer("MIPROv2", {"auto": None, "num_trials": 3})
    with pytest.raises(OptionError, match="drop num_candidates"):
        MIPROv2(num_trials=3)
    with pytest.raises(OptionError, match="heavy"):
        MIPROv2(auto="havy")


def test_estimate_is_an_upper_bound_of_the_calls_made():
    result = run()
    sizes = TaskSizes(trainset=len(TRAIN), valset=len(VAL), run_calls=1, modules=1)
    estimate = MIPROv2(**MANUAL).estimate_calls(sizes)
    assert estimate.upper_bound and result.lm_calls <= estimate.calls < 3 * result.lm_calls
