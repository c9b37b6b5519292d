import json

import pytest

from lmc.data.datasets import Example
from lmc.host.evaluate import evaluate
from lmc.optimize import Task, create_optimizer
from lmc.optimize.core.base import TaskSizes, metered_task
from lmc.optimize.core.budget import Budget, Meter
from lmc.optimize.core.options import OptionError
from lmc.optimize.fewshot.knn import KNNFewShot
from lmc.runtime.knn import KnnRow, KnnTable, choose_demos, example_text, idf_of, vector_text, vectorize
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


def _nearest_by_every_dot(table: KnnTable, inputs: dict) -> list[int]:
    """The reference: every row's exact dot product with the query (in millionths, the weights' unit), sorted."""
    query = {b: round(w * 10**6) for b, w in vectorize(example_text(table.keys, inputs), table.idf)}
    scores = [sum(round(w * 10**6) * query.get(b, 0) for b, w in row.pairs()) for row in table.rows]
    return sorted(range(len(table.rows)), key=lambda i: (-scores[i], i))[: table.k]


def _random_table(k: int, seed: int = 0) -> tuple[KnnTable, list[str]]:
    import random

    rng = random.Random(seed)
    words = "cats dogs rain sun stock market river tree stone glass".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 5))) for _ in range(30)]
    texts += [texts[3], texts[3], "zzz", "qqq qqq", ""]  # exact ties, rows no query shares, an empty vector
    idf = idf_of([f"q: {t}" for t in texts])
    rows = [KnnRow(vector_text(vectorize(f"q: {t}", idf)), {"q": t}, True, {}) for t in texts]
    zeros = vector_text(tuple((b, 0.0) for b, _ in rows[5].pairs()))
    rows[5] = KnnRow(zeros, {"q": texts[5]}, True, {})  # weights rounded to 0
    queries = [*(" ".join(rng.sample(words, 2)) for _ in range(40)), texts[3], "nothing shared", ""]
    return KnnTable(k, 1, 2, 0, ("q",), ("p.m",), idf, tuple(rows)), queries


@pytest.mark.parametrize("numpy", [True, False], ids=["numpy", "stdlib"])
@pytest.mark.parametrize("k", [1, 3, 8, 50])
def test_nearest_ranks_by_the_exact_dot_product_on_either_path(k, numpy):
    """numpy's path and the standard library's rank as scoring every row exactly would: ties by index, rows
    sharing nothing (or only a zero weight) after the others, duplicates, an empty query, k above the rows."""
    from lmc.runtime.knn_index import NearestIndex

    table, queries = _random_table(k)
    index = NearestIndex([row.pairs() for row in table.rows], numpy=numpy)
    for query in queries:
        vector = vectorize(example_text(table.keys, {"q": query}), table.idf)
        assert index.nearest(vector, k) == _nearest_by_every_dot(table, {"q": query}), query
        assert table.nearest({"q": query}) == _nearest_by_every_dot(table, {"q": query}), query
    assert len(table.nearest({"q": "nothing shared"})) == min(k, len(table.rows))


def test_an_exact_tie_goes_to_the_earlier_row_where_adding_floats_would_not():
    """Two rows whose weights are the same numbers in another order tie exactly; summed as floats, in
    each row's bucket order, they need not (0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1)."""
    from lmc.runtime.knn_index import NearestIndex

    query = ((1, 1.0), (2, 1.0), (3, 1.0))
    vectors = [((1, 0.3), (2, 0.2), (3, 0.1)), ((1, 0.1), (2, 0.2), (3, 0.3))]
    assert (0.3 * 1.0 + 0.2 * 1.0) + 0.1 * 1.0 != (0.1 * 1.0 + 0.2 * 1.0) + 0.3 * 1.0  # the float sums differ
    for numpy in (True, False):
        assert NearestIndex(vectors, numpy=numpy).nearest(query, 2) == [0, 1]
        assert NearestIndex(vectors[::-1], numpy=numpy).nearest(query, 2) == [0, 1]


@pytest.mark.parametrize("numpy", [True, False], ids=["numpy", "stdlib"])
def test_rows_without_a_weight_rank_after_the_rest_by_index(numpy):
    """Rows whose text gave no bucket (all of them, or some) score 0: the k earliest among them follow
    the rows that share a bucket, a query repeating a bucket counts it twice, and no row means no neighbour."""
    from lmc.runtime.knn_index import NearestIndex

    assert NearestIndex([(), (), ()], numpy=numpy).nearest(((7, 0.5),), 2) == [0, 1]
    some = NearestIndex([(), ((7, 0.25),), (), ((7, 0.5), (9, 0.5))], numpy=numpy)
    assert some.nearest(((7, 0.5),), 3) == [3, 1, 0]
    assert some.nearest(((9, 0.1), (7, 0.1), (7, 0.1)), 2) == [3, 1]
    assert some.nearest((), 2) == [0, 1]
    assert NearestIndex([], numpy=numpy).nearest(((7, 0.5),), 2) == []


def test_a_table_reads_back_once_as_its_json_text_would_and_keeps_its_index():
    """The build renders the package from params as the lock reads them back: a table's read-back is
    made once (its rows are formatted once), equals one made from its JSON text, and keeps the index."""
    table, queries = _random_table(3)
    first = table.to_json()
    first["rows"].append("not a row")
    first["k"] = 99
    assert table.to_json() == KnnTable.from_json(json.loads(json.dumps(table.to_json()))).to_json()
    assert table.nearest({"q": queries[0]}) == _nearest_by_every_dot(table, {"q": queries[0]})
    back = table.as_read_back()
    assert back is table.as_read_back() and back.as_read_back() is back
    assert back == KnnTable.from_json(json.loads(json.dumps(table.to_json())))
    assert back._index == table._index and back._index[0] is table._index[0]
    assert [back.nearest({"q": q}) for q in queries] == [table.nearest({"q": q}) for q in queries]


def test_a_row_keeps_its_vector_as_the_stored_text_and_refuses_one_that_is_not():
    idf = idf_of(["q: capital of France", "q: largest ocean"])
    vector = vectorize("q: capital of France", idf)
    row = KnnRow(vector_text(vector), {"q": "capital of France"}, True, {})
    assert row.pairs() == vector and row.vector == " ".join(f"{b}:{w!r}" for b, w in vector)
    assert KnnRow.from_json(row.to_json()) == row
    assert KnnRow.from_json({**row.to_json(), "vector": ""}).pairs() == ()
    for bad in ("12:0.5 x", "12:0.5 ", "12;0.5", 12):
        with pytest.raises(ValueError, match="bucket:weight"):
            KnnRow.from_json({**row.to_json(), "vector": bad})


def test_a_package_without_numpy_chooses_the_same_neighbours():
    """The index takes numpy when it imports; without it (a package's plain install) the choice is the same."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['numpy'] = None  # as if not installed\n"
        "from tests.optimize.test_knn import _random_table\n"
        "from lmc.runtime.knn_index import NearestIndex\n"
        "table, queries = _random_table(4)\n"
        "print([table.nearest({'q': q}) for q in queries])\n"
        "assert table._index[0]._np is None\n"
    )
    without = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    table, queries = _random_table(4)
    assert without.strip() == str([table.nearest({"q": q}) for q in queries])
    assert table._index[0]._np is not None


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
