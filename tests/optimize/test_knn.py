import json

import pytest

from lmc.data.datasets import Example
from lmc.host.evaluate import evaluate
from lmc.optimize import Task, create_optimizer
from lmc.optimize.core.base import TaskSizes, metered_task
from lmc.optimize.core.budget import Budget, Meter
from lmc.optimize.core.options import OptionError
from lmc.optimize.fewshot.knn import KNNFewShot
from lmc.runtime.knn import KnnTable, choose_demos, example_text, idf_of, vectorize
from lmc.runtime.signature import Params
from tests.optimize.fakes import FakeLM, classify_program, label_match, pipeline_program

TOPICS = ["cats purr softly", "dogs bark loudly", "rain falls today", "stocks rise sharply", "cats sleep all day"]
TRAIN = tuple(
    Example({"sentence": text, "label": "positive" if i % 2 == 0 else "negative"}, {"sentence"})
    for i, text in enumerate(TOPICS)
)


def right_except(*wrong: str):
    def answer(request):
        sentence = request.inputs["sentence"]
        label = next(e["label"] for e in TRAIN if e["sentence"] == sentence)
        return {"label": "WRONG" if sentence in wrong else label}

    return answer


def compile_knn(answer=None, program=None, trainset=TRAIN, **options) -> tuple:
    teacher = FakeLM(answer or right_except("rain falls today"))
    task = Task(
        program=program or classify_program(),
        trainset=trainset,
        metric=label_match,
        lm=FakeLM(lambda r: {"label": "x"}),
        teacher_lm=teacher,
    )
    optimizer = KNNFewShot(**{"k": 2, "max_bootstrapped_demos": 1, "max_labeled_demos": 2, **options})
    return optimizer.compile(task), teacher


# ---------------------------------------------------------------- vectorizer


def test_vectors_are_unit_length_deterministic_and_rank_shared_words_first():
    texts = [example_text(["sentence"], e.inputs()) for e in TRAIN]
    idf = idf_of(texts)
    query = dict(vectorize("sentence: sleepy cats", idf))
    assert abs(sum(w * w for w in query.values()) - 1) < 1e-5
    scores = [sum(w * query.get(b, 0.0) for b, w in vectorize(t, idf)) for t in texts]
    assert max(range(len(texts)), key=scores.__getitem__) in (0, 4)  # the two texts about cats
    assert vectorize(texts[0], idf) == vectorize(texts[0], idf_of(list(texts)))
    assert vectorize("sentence: zzzz qqqq", {}) == ()


def test_example_text_is_dspys_key_value_join():
    assert example_text(["a", "b"], {"b": 2, "a": "x"}) == "a: x | b: 2"


# ---------------------------------------------------------------- optimizer


def test_runs_the_teacher_once_per_example_and_ships_the_passing_traces():
    result, teacher = compile_knn()
    assert [r.inputs["sentence"] for r in teacher.requests] == TOPICS
    table = result.params["classify.judge"].knn
    assert table is not None and result.params["classify.judge"].demos == ()
    assert [row.passed for row in table.rows] == [True, True, False, True, True]
    assert table.rows[0].demos == {"classify.judge": {"sentence": TOPICS[0], "label": "positive"}}
    assert table.rows[2].demos == {} and table.rows[2].example == dict(TRAIN[2])
    assert result.lm_calls == len(TOPICS)


def test_each_call_gets_the_demos_of_its_nearest_examples():
    result, _ = compile_knn()
    student = FakeLM(lambda r: {"label": "positive"})
    run = classify_program().run({"sentence": "do cats purr"}, lm=student, params=result.params)
    assert run.outputs == {"label": "positive"}
    (request,) = student.requests
    # k = 2: "cats purr softly" (passed: bootstrapped) then "cats sleep all day" (the labeled fill-up).
    assert [d["sentence"] for d in request.demos] == ["cats purr softly", "cats sleep all day"]
    classify_program().run({"sentence": "heavy rain today"}, lm=student, params=result.params)
    # Nearest: "rain falls today" (failed: labeled only), then "cats sleep all day" (passed: bootstrapped first).
    assert [d["sentence"] for d in student.requests[-1].demos] == ["cats sleep all day", "rain falls today"]


def test_choice_matches_bootstrap_semantics_over_the_neighbours():
    result, _ = compile_knn(k=3, max_bootstrapped_demos=2, max_labeled_demos=3)
    table = result.params["classify.judge"].knn
    inputs = {"sentence": "rain falls on cats"}
    order = table.nearest(inputs)
    demos = choose_demos(table, inputs)["classify.judge"]
    bootstrapped = [i for i in order if table.rows[i].passed][:2]
    assert list(demos[:2]) == [table.rows[i].demos["classify.judge"] for i in bootstrapped]
    rest = demos[2:]
    assert len(rest) == 1 and rest[0] in [table.rows[i].example for i in order if i not in bootstrapped]


def test_the_build_scores_what_the_package_runs_and_the_table_round_trips_through_json():
    result, _ = compile_knn()
    params = result.params
    again = {p: Params.from_json(json.loads(json.dumps(v.to_json()))) for p, v in params.items()}
    assert again == params
    student = FakeLM(lambda r: {"label": "positive" if len(r.demos) == 2 else "negative"})
    assert (
        evaluate(classify_program(), TRAIN, label_match, lm=student, params=again).score
        == evaluate(classify_program(), TRAIN, label_match, lm=student, params=params).score
    )


def test_every_module_of_a_pipeline_gets_its_own_trace_demos():
    def answer(request):
        if request.path == "pipe.draft":
            return {"draft": "d-" + request.inputs["question"]}
        return {"answer": "ok"}

    train = tuple(Example({"question": q, "answer": "ok"}, {"question"}) for q in ("red apple", "blue sky"))
    task = Task(
        program=pipeline_program(), trainset=train, metric=lambda e, o: o["answer"] == e["answer"], lm=FakeLM(answer)
    )
    result = KNNFewShot(k=1, max_bootstrapped_demos=1, max_labeled_demos=1).compile(task)
    student = FakeLM(answer)
    pipeline_program().run({"question": "blue sea"}, lm=student, params=result.params)
    draft, finish = student.requests
    assert draft.demos == ({"question": "blue sky", "draft": "d-blue sky"},)
    assert finish.demos == ({"question": "blue sky", "draft": "d-blue sky", "answer": "ok"},)


def test_no_bootstrapped_demos_means_no_teacher_run_and_labeled_neighbours_only():
    result, teacher = compile_knn(max_bootstrapped_demos=0, k=1, max_labeled_demos=1)
    assert teacher.requests == [] and result.lm_calls == 0
    table = result.params["classify.judge"].knn
    assert choose_demos(table, {"sentence": "dogs bark"})["classify.judge"] == (dict(TRAIN[1]),)


def test_a_budget_leaves_untried_examples_as_labeled_ones():
    teacher = FakeLM(right_except())
    task = Task(program=classify_program(), trainset=TRAIN, metric=label_match, lm=teacher, teacher_lm=teacher)
    result = KNNFewShot(k=2).compile(metered_task(task, Meter(Budget(max_lm_calls=2))))
    assert result.stopped is not None
    assert [row.passed for row in result.params["classify.judge"].knn.rows] == [True, True, False, False, False]


def test_options_and_estimate():
    with pytest.raises(OptionError, match="`k`"):
        create_optimizer("KNNFewShot", {})
    assert create_optimizer("KNNFewShot", {"k": 3}) == KNNFewShot(k=3)
    estimate = KNNFewShot(k=3).estimate_calls(TaskSizes(trainset=10, valset=5, run_calls=2))
    assert (estimate.calls, estimate.upper_bound) == (20, False)


def test_params_py_form_is_read_back():
    result, _ = compile_knn()
    table = result.params["classify.judge"].knn
    assert Params("x", knn=table.to_json()).knn == table
    assert isinstance(Params("x", knn=table.to_json()).knn, KnnTable)
