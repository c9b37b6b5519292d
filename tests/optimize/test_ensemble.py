import pytest

from lmc.host.evaluate import evaluate
from lmc.optimize import BootstrapFewShotWithRandomSearch, Task, create_optimizer
from lmc.optimize.core.base import Candidate
from lmc.optimize.core.options import OptionError
from lmc.optimize.ensemble import Ensemble
from lmc.runtime.ensemble import majority, member_params
from lmc.runtime.signature import Params
from tests.optimize.fakes import FakeLM, classify_program, label_match, pipeline_program, sentences

TRAIN = sentences(4)


def params_with(instructions: str) -> dict[str, Params]:
    return {"classify.judge": Params(instructions=instructions)}


def candidate(label: str, score: float) -> Candidate:
    return Candidate(label, score, params_with(label), {"classify.judge": ()})


def task(candidates=(), program=None, lm=None) -> Task:
    return Task(
        program=program or classify_program(),
        trainset=TRAIN,
        metric=label_match,
        lm=lm or FakeLM(lambda r: {"label": "x"}),
        candidates=tuple(candidates),
    )


# ------------------------------------------------------------------ majority


def test_majority_picks_the_most_common_normalized_value_and_returns_the_first_such_value():
    outputs = [{"a": "Paris."}, {"a": "London"}, {"a": "the paris"}, {"a": "london"}, {"a": "PARIS"}]
    assert majority(outputs, ["a"]) == {"a": "Paris."}


def test_majority_ties_go_to_the_first_member():
    assert majority([{"a": "b"}, {"a": "c"}, {"a": "C"}, {"a": "B"}], ["a"]) == {"a": "b"}


def test_majority_ignores_empty_values_unless_all_are_empty():
    assert majority([{"a": ""}, {"a": "..."}, {"a": "x"}], ["a"]) == {"a": "x"}
    assert majority([{"a": ""}, {"a": "!"}], ["a"]) == {"a": ""}


def test_majority_votes_each_field_and_compares_structures_as_json():
    outputs = [
        {"n": 1, "tags": ["a", "b"]},
        {"n": 2, "tags": ["a", "c"]},
        {"n": 2, "tags": ["a", "b"]},
    ]
    assert majority(outputs, ["n", "tags"]) == {"n": 2, "tags": ["a", "b"]}


def test_member_params_keep_modules_without_members_in_every_member():
    own = Params(instructions="own")
    params = {
        "pipe.draft": Params("m0", members=(Params("m0"), Params("m1"))),
        "pipe.finish": own,
    }
    assert member_params(params) == [
        {"pipe.draft": Params("m0"), "pipe.finish": own},
        {"pipe.draft": Params("m1"), "pipe.finish": own},
    ]
    assert member_params({"pipe.finish": own}) is None
    with pytest.raises(ValueError, match="number of members"):
        member_params({"a.b": Params("x", members=(own,)), "a.c": Params("y", members=(own, own))})


# ------------------------------------------------------------------ optimizer


def test_takes_the_best_size_candidates_ties_in_scoring_order():
    cands = [candidate("c0", 10.0), candidate("c1", 50.0), candidate("c2", 30.0), candidate("c3", 50.0)]
    result = Ensemble(size=3).compile(task(cands))
    members = result.params["classify.judge"].members
    assert [m.instructions for m in members] == ["c1", "c3", "c2"]
    assert result.params["classify.judge"].instructions == "c1"  # the first member stands for the module
    assert all(not m.members for m in members)
    assert result.lm_calls == 0 and result.score is None


def test_size_none_takes_every_candidate():
    cands = [candidate("c0", 10.0), candidate("c1", 50.0)]
    members = Ensemble().compile(task(cands)).params["classify.judge"].members
    assert [m.instructions for m in members] == ["c1", "c0"]


def test_without_candidates_says_what_to_chain():
    with pytest.raises(OptionError, match="BootstrapFewShotWithRandomSearch"):
        Ensemble(size=2).compile(task([Candidate("read from a lock", 50.0)]))


def test_reduce_fn_must_be_majority():
    with pytest.raises(OptionError, match="reduce_fn"):
        create_optimizer("Ensemble", {"reduce_fn": "minority"})
    assert create_optimizer("Ensemble", {"size": 3}) == Ensemble(size=3)


def test_the_program_runs_once_per_member_and_votes():
    """Three members whose instructions make the LM answer differently: the majority wins."""
    answers = {"A": "positive", "B": "negative", "C": "positive"}
    lm = FakeLM(lambda r: {"label": answers[r.instructions]})
    cands = [candidate("A", 90.0), candidate("B", 80.0), candidate("C", 70.0)]
    params = Ensemble(size=3).compile(task(cands)).params
    run = classify_program().run({"sentence": "s1"}, lm=lm, params=params)
    assert run.outputs == {"label": "positive"}
    assert [r.instructions for r in lm.requests] == ["A", "B", "C"]
    assert [e.outputs["label"] for e in run.trace] == ["positive", "negative", "positive"]


def test_chained_after_random_search_the_ensemble_is_scored_as_one_program():
    """The search's candidates carry their params; the ensemble of its best three evaluates as one program."""
    teacher = FakeLM(lambda r: {"label": "positive" if int(r.inputs["sentence"][1:]) % 2 == 0 else "negative"})
    student = FakeLM(lambda r: {"label": "positive" if len(r.demos) % 2 == 0 else "negative"})
    train, val = sentences(6), sentences(4, prefix="v")
    search_task = Task(
        program=classify_program(), trainset=train, valset=val, metric=label_match, lm=student, teacher_lm=teacher
    )
    searched = BootstrapFewShotWithRandomSearch(
        max_bootstrapped_demos=2, max_labeled_demos=3, num_candidate_programs=2
    ).compile(search_task)
    assert all(c.params is not None for c in searched.candidates)
    chained = Task(
        program=classify_program(),
        trainset=train,
        valset=val,
        metric=label_match,
        lm=student,
        initial=searched.params,
        candidates=searched.candidates,
    )
    result = Ensemble(size=3).compile(chained)
    members = result.params["classify.judge"].members
    best = sorted(searched.candidates, key=lambda c: -c.score)[:3]
    assert [m.demos for m in members] == [c.params["classify.judge"].demos for c in best]
    scored = evaluate(classify_program(), val, label_match, lm=student, params=result.params)
    assert scored.total == len(val)


def test_async_runs_the_members_in_order_too():
    import asyncio

    answers = {"A": "x", "B": "y", "C": "y"}
    lm = FakeLM(lambda r: {"label": answers[r.instructions]})
    params = Ensemble().compile(task([candidate("A", 3.0), candidate("B", 2.0), candidate("C", 1.0)])).params
    run = asyncio.run(classify_program().arun({"sentence": "s0"}, lm=lm, params=params))
    assert run.outputs == {"label": "y"}
    assert [r.instructions for r in lm.requests] == ["A", "B", "C"]


def test_params_json_round_trip_keeps_members_and_omits_the_key_when_empty():
    p = Params("a", demos=({"q": 1},), members=(Params("a"), Params("b", demos=({"q": 2},))))
    assert Params.from_json(p.to_json()) == p
    assert "members" not in Params("a").to_json()


def test_pipeline_members_vote_on_the_program_outputs():
    answers = {"d0": "x", "d1": "y", "d2": "y"}

    def answer(r):
        if r.path == "pipe.draft":
            return {"draft": r.instructions}
        return {"answer": answers[r.inputs["draft"]]}

    members = tuple(Params(f"d{i}") for i in range(3))
    params = {"pipe.draft": Params("d0", members=members), "pipe.finish": Params("finish")}
    run = pipeline_program().run({"question": "q"}, lm=FakeLM(answer), params=params)
    assert run.outputs == {"answer": "y"}
    assert len(run.trace) == 6
