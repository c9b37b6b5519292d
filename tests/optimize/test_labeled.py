import random

from lmc.optimize import LabeledFewShot, Task
from lmc.runtime.signature import Params
from tests.optimize.fakes import FakeLM, classify_program, label_match, pipeline_program, questions, sentences


def never_called(request):
    raise AssertionError("LabeledFewShot must not call the LM")


def task_for(program, trainset, seed=0, **kw):
    return Task(program=program, trainset=trainset, metric=label_match, lm=FakeLM(never_called), seed=seed, **kw)


def test_samples_k_demos_with_the_task_seed():
    train = sentences(10)
    result = LabeledFewShot(k=3).compile(task_for(classify_program(), train, seed=5))

    expected = random.Random(5).sample(range(10), 3)
    assert [o.index for o in result.origins["classify.judge"]] == expected
    assert {o.kind for o in result.origins["classify.judge"]} == {"labeled"}
    # Raw labeled demos are the examples' fields as loaded.
    assert result.params["classify.judge"].demos == tuple(dict(train[i]) for i in expected)
    assert result.lm_calls == 0 and result.score is None


def test_same_seed_same_demos_other_seed_other_demos():
    train = sentences(12)
    first = LabeledFewShot(k=4).compile(task_for(classify_program(), train, seed=1))
    again = LabeledFewShot(k=4).compile(task_for(classify_program(), train, seed=1))
    other = LabeledFewShot(k=4).compile(task_for(classify_program(), train, seed=2))
    assert first.params == again.params
    assert first.params != other.params


def test_modules_draw_in_turn_from_one_generator():
    result = LabeledFewShot(k=2).compile(task_for(pipeline_program(), questions(9), seed=0))

    rng = random.Random(0)
    assert [o.index for o in result.origins["pipe.draft"]] == rng.sample(range(9), 2)
    assert [o.index for o in result.origins["pipe.finish"]] == rng.sample(range(9), 2)


def test_k_larger_than_the_trainset_takes_every_example_once():
    result = LabeledFewShot(k=16).compile(task_for(classify_program(), sentences(5)))
    assert sorted(o.index for o in result.origins["classify.judge"]) == [0, 1, 2, 3, 4]


def test_empty_trainset_gives_no_demos_and_keeps_instructions():
    program = classify_program()
    initial = {"classify.judge": Params(instructions="Tuned instructions.", demos=({"sentence": "x", "label": "y"},))}
    result = LabeledFewShot(k=3).compile(task_for(program, (), initial=initial))
    assert result.params["classify.judge"] == Params(instructions="Tuned instructions.")


def test_initial_instructions_survive_and_initial_params_are_untouched():
    initial = {"classify.judge": Params(instructions="Tuned instructions.")}
    before = dict(initial)
    result = LabeledFewShot(k=2).compile(task_for(classify_program(), sentences(4), initial=initial))
    assert result.params["classify.judge"].instructions == "Tuned instructions."
    assert len(result.params["classify.judge"].demos) == 2
    assert initial == before
