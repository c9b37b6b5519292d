import gc
import threading

import pytest

from lmc.host.evaluate import TooManyErrors, evaluate, passes
from lmc.runtime.metrics import as_score
from tests.optimize.fakes import FakeLM, classify_program, correct_label, index_of, label_match, sentences

EXAMPLES = sentences(10)


def mostly_right(request):
    """Right except: s3 gets a wrong label, s5 an unparseable answer."""
    i = index_of(request.inputs["sentence"])
    if i == 5:
        return "not json"
    return {"label": "WRONG" if i == 3 else correct_label(request.inputs["sentence"])}


def run(threads=1, **kw):
    program = classify_program()
    return evaluate(
        program, EXAMPLES, label_match, lm=FakeLM(mostly_right), params=program.default_params(), threads=threads, **kw
    )


def test_scores_each_example_and_reports_percent():
    result = run()
    assert [r.index for r in result.results] == list(range(10))
    assert [r.score for r in result.results] == [0.0 if i in (3, 5) else 1.0 for i in range(10)]
    assert result.score == 80.0
    # The unparseable answer is a failed example, not an error.
    assert (result.total, result.passed, result.errors) == (10, 8, 0)
    assert result.results[5].no_output


def test_a_failing_example_scores_zero_keeps_its_message_and_the_run_goes_on():
    result = run()
    failed = result.results[5]
    assert failed.outputs is None and failed.trace == ()
    assert failed.error == "classify.judge: cannot parse 'not json'" and failed.no_output
    wrong = result.results[3]
    assert wrong.error is None and wrong.outputs == {"label": "WRONG"}
    assert [e.path for e in result.results[0].trace] == ["classify.judge"]


def test_threads_give_the_same_result_as_one_thread():
    one, four = run(threads=1), run(threads=4)
    assert one == four
    # Every trace holds only its own example's calls, however the threads interleaved.
    for r in four.results:
        assert all(e.inputs["sentence"] == r.example["sentence"] for e in r.trace)


def test_threads_really_run_concurrently():
    barrier = threading.Barrier(3, timeout=5)

    def wait_for_company(request):
        barrier.wait()  # raises BrokenBarrierError unless 3 calls are in flight together
        return {"label": correct_label(request.inputs["sentence"])}

    program = classify_program()
    result = evaluate(
        program, EXAMPLES[:3], label_match, lm=FakeLM(wait_for_company), params=program.default_params(), threads=3
    )
    assert result.score == 100.0


def test_rows_are_handed_to_the_threads_a_few_at_a_time_in_order():
    """Two rows per thread are queued at once, never a future per row of the dataset (each one ~10 objects
    the garbage collector walks at every full collection: pauses of tenths of a second at 20,000 rows)."""
    from concurrent.futures import Future

    rows = sentences(200)
    started: list[int] = []
    live: list[int] = []
    lock = threading.Lock()

    def answer(request):
        with lock:
            started.append(index_of(request.inputs["sentence"]))
            if len(started) % 25 == 0:
                live.append(sum(isinstance(o, Future) for o in gc.get_objects()))
        return {"label": correct_label(request.inputs["sentence"])}

    program = classify_program()
    gc.collect()  # no future of an earlier test left to count
    result = evaluate(program, rows, label_match, lm=FakeLM(answer), params=program.default_params(), threads=4)
    assert result.score == 100.0 and [r.index for r in result.results] == list(range(200))
    assert sorted(started) == list(range(200))
    assert live and max(live) <= 2 * 4 + 1  # the queued rows' futures, and the one being taken


def test_progress_is_reported_after_each_example():
    seen = []
    run(threads=3, on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 10) for i in range(1, 11)]


class Unreachable(Exception):
    pass


@pytest.mark.parametrize("threads", [1, 4])
def test_fatal_errors_propagate(threads):
    def down(request):
        raise Unreachable("no route to host")

    program = classify_program()
    with pytest.raises(Unreachable):
        evaluate(
            program,
            EXAMPLES,
            label_match,
            lm=FakeLM(down),
            params=program.default_params(),
            threads=threads,
            fatal=(Unreachable,),
        )


def test_without_fatal_types_every_exception_is_one_examples_failure():
    def down(request):
        raise Unreachable("no route to host")

    program = classify_program()
    result = evaluate(program, EXAMPLES, label_match, lm=FakeLM(down), params=program.default_params())
    assert result.errors == 10 and result.score == 0.0
    assert result.results[0].error == "Unreachable: no route to host"


def test_max_errors_stops_the_run():
    def tool_bug(request):
        if index_of(request.inputs["sentence"]) == 2:
            raise ValueError("tool exploded")
        return mostly_right(request)

    program = classify_program()
    kwargs = dict(lm=FakeLM(tool_bug), params=program.default_params(), max_errors=1)
    with pytest.raises(TooManyErrors) as caught:
        evaluate(program, EXAMPLES, label_match, **kwargs)
    assert caught.value.errors == 1 and "tool exploded" in str(caught.value)


def test_parse_failures_never_reach_max_errors():
    result = run(max_errors=1)
    assert result.errors == 0 and result.results[5].error is not None


def test_metric_failures_are_recorded_with_the_outputs():
    def bad_metric(example, outputs):
        return "yes"

    program = classify_program()
    result = evaluate(program, EXAMPLES[:2], bad_metric, lm=FakeLM(mostly_right), params=program.default_params())
    assert result.results[0].outputs == {"label": "positive"}
    assert result.results[0].error.startswith("the metric returned 'yes'; expected a number, a bool")
    assert result.results[0].stage == "score"


def test_graded_metric_with_threshold():
    graded = {0: 1.0, 1: 0.5, 2: 0.25, 3: 0.0}
    program = classify_program()
    examples = EXAMPLES[:4]
    result = evaluate(
        program,
        examples,
        lambda example, outputs: graded[index_of(example["sentence"])],
        lm=FakeLM(mostly_right),
        params=program.default_params(),
        metric_threshold=0.5,
    )
    assert result.score == 43.75
    assert result.passed == 2


def test_score_values_and_passes():
    assert as_score(True).score == 1.0 and as_score(False).score == 0.0 and as_score(0.3).score == 0.3
    with pytest.raises(ValueError):
        as_score(float("nan"))
    with pytest.raises(ValueError):
        as_score(None)
    assert passes(0.3, None) and not passes(0.0, None)
    assert passes(0.0, 0.0) and not passes(0.49, 0.5)
