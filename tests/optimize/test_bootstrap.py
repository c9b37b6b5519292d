import random

import pytest

from lmc.host.evaluate import TooManyErrors
from lmc.optimize import BootstrapFewShot, Task
from lmc.runtime.signature import Params
from tests.optimize.fakes import (
    FakeLM,
    classify_program,
    correct_label,
    index_of,
    label_match,
    loop_program,
    pipeline_program,
    questions,
    sentences,
)


def answers_wrong_for(wrong: set[int]):
    """An LM that labels every sentence correctly except those numbered in ``wrong``."""

    def answer(request):
        i = index_of(request.inputs["sentence"])
        return {"label": "WRONG" if i in wrong else correct_label(request.inputs["sentence"])}

    return answer


def task_for(program, trainset, lm, **kw):
    return Task(program=program, trainset=trainset, metric=label_match, lm=lm, **kw)


def bootstrapped(result, path):
    params, origins = result.params[path], result.origins[path]
    return [(o.index, d) for o, d in zip(origins, params.demos, strict=True) if o.kind == "bootstrapped"]


def labeled(result, path):
    return [o.index for o in result.origins[path] if o.kind == "labeled"]


def test_only_runs_that_pass_the_metric_become_demos():
    train = sentences(8)
    lm = FakeLM(answers_wrong_for({0, 2, 3}))
    result = BootstrapFewShot(max_bootstrapped_demos=4, max_labeled_demos=6).compile(
        task_for(classify_program(), train, lm)
    )

    got = bootstrapped(result, "classify.judge")
    # The first four examples whose run passed, in trainset order.
    assert [i for i, _ in got] == [1, 4, 5, 6]
    # A bootstrapped demo is the module's traced inputs and outputs.
    assert [d for _, d in got] == [{"sentence": f"s{i}", "label": train[i]["label"]} for i in (1, 4, 5, 6)]
    assert all(d.get("label") != "WRONG" for d in result.params["classify.judge"].demos)
    # Labeled demos fill up to max_labeled_demos from the examples not bootstrapped
    # (those that failed, and example 7, never tried).
    raw = labeled(result, "classify.judge")
    assert len(raw) == 2 and set(raw) <= {0, 2, 3, 7}
    assert len(result.params["classify.judge"].demos) == 6
    # It stopped after the fourth success: examples 0..6 were run once each.
    assert [index_of(r.inputs["sentence"]) for r in lm.requests] == list(range(7))
    assert result.lm_calls == 7


def test_teacher_never_sees_the_example_it_is_run_on():
    train = sentences(6)
    lm = FakeLM(answers_wrong_for(set()))
    BootstrapFewShot(max_bootstrapped_demos=6, max_labeled_demos=16).compile(task_for(classify_program(), train, lm))

    for request in lm.requests:
        # The uncompiled teacher got LabeledFewShot demos: every other example.
        demo_sentences = sorted(d["sentence"] for d in request.demos)
        assert request.inputs["sentence"] not in demo_sentences
        assert len(demo_sentences) == len(train) - 1


def test_teacher_lm_serves_bootstrapping_and_student_lm_is_unused():
    train = sentences(5)
    teacher = FakeLM(answers_wrong_for(set()), name="teacher")
    student = FakeLM(answers_wrong_for(set(range(5))), name="student")
    result = BootstrapFewShot(max_bootstrapped_demos=3, max_labeled_demos=3).compile(
        task_for(classify_program(), train, student, teacher_lm=teacher)
    )
    assert len(teacher.requests) == 3
    assert student.requests == []
    assert [i for i, _ in bootstrapped(result, "classify.judge")] == [0, 1, 2]


def test_every_module_gets_its_own_entries_from_the_same_passing_runs():
    examples = questions(6)

    def answer(request):
        q = request.inputs["question"]
        if request.path == "pipe.draft":
            return {"draft": f"draft of {q}"}
        # The final answer is wrong for q1 and q3, after a draft that succeeded.
        return {"answer": "WRONG" if index_of(q) in (1, 3) else correct_label(q)}

    program = pipeline_program()
    metric = lambda example, outputs: outputs["answer"] == example["label"]  # noqa: E731
    result = BootstrapFewShot(max_bootstrapped_demos=3, max_labeled_demos=0).compile(
        Task(program=program, trainset=examples, metric=metric, lm=FakeLM(answer))
    )

    drafts = bootstrapped(result, "pipe.draft")
    finishes = bootstrapped(result, "pipe.finish")
    assert [i for i, _ in drafts] == [i for i, _ in finishes] == [0, 2, 4]
    for (i, draft), (_, finish) in zip(drafts, finishes, strict=True):
        assert draft == {"question": f"q{i}", "draft": f"draft of q{i}"}
        assert finish == {"question": f"q{i}", "draft": f"draft of q{i}", "answer": examples[i]["label"]}


def test_metric_threshold_decides_what_passes():
    train = sentences(6)
    # A graded metric: 1.0 for a right label, 0.4 for a wrong one.
    graded = lambda example, outputs: 1.0 if outputs["label"] == example["label"] else 0.4  # noqa: E731
    lm = FakeLM(answers_wrong_for({1, 2}))

    lenient = BootstrapFewShot(max_bootstrapped_demos=3, max_labeled_demos=0).compile(
        Task(program=classify_program(), trainset=train, metric=graded, lm=lm)
    )
    strict = BootstrapFewShot(max_bootstrapped_demos=3, max_labeled_demos=0, metric_threshold=0.5).compile(
        Task(program=classify_program(), trainset=train, metric=graded, lm=lm)
    )
    assert [i for i, _ in bootstrapped(lenient, "classify.judge")] == [0, 1, 2]
    assert [i for i, _ in bootstrapped(strict, "classify.judge")] == [0, 3, 4]


def test_failed_runs_count_as_errors_until_max_errors():
    train = sentences(6)

    # A tool or metric bug (not a parse failure) in the runs of examples 0 and 1.
    def broken(request):
        if index_of(request.inputs["sentence"]) < 2:
            raise ValueError("tool exploded")
        return {"label": "x"}

    with pytest.raises(TooManyErrors) as caught:
        BootstrapFewShot(max_errors=2).compile(task_for(classify_program(), train, FakeLM(broken)))
    assert caught.value.errors == 2 and "tool exploded" in str(caught.value)

    # DSPy compares the count with `>=`: 0 stops at the first error.
    with pytest.raises(TooManyErrors) as caught:
        BootstrapFewShot(max_errors=0).compile(task_for(classify_program(), train, FakeLM(broken)))
    assert caught.value.errors == 1

    # One error fewer than the limit: the optimizer goes on.
    result = BootstrapFewShot(max_errors=3, max_labeled_demos=0).compile(
        task_for(classify_program(), train, FakeLM(broken))
    )
    assert bootstrapped(result, "classify.judge") == []


def test_unparseable_answers_are_failed_examples_not_errors():
    train = sentences(6)

    def unparseable_first(request):
        i = index_of(request.inputs["sentence"])
        return "not json" if i < 4 else {"label": correct_label(request.inputs["sentence"])}

    # max_errors 0 would stop at the first error; parse failures are not errors.
    result = BootstrapFewShot(max_errors=0, max_labeled_demos=0).compile(
        task_for(classify_program(), train, FakeLM(unparseable_first))
    )
    assert [i for i, _ in bootstrapped(result, "classify.judge")] == [4, 5]


class Unreachable(Exception):
    pass


def test_fatal_errors_stop_at_once():
    def down(request):
        raise Unreachable("connection refused")

    lm = FakeLM(down)
    with pytest.raises(Unreachable):
        BootstrapFewShot().compile(task_for(classify_program(), sentences(5), lm, fatal=(Unreachable,)))
    assert len(lm.requests) == 1


def test_later_rounds_use_a_fresh_rollout_of_the_teacher():
    train = sentences(3)
    base = FakeLM(answers_wrong_for({0, 1, 2}), name="base")
    rollout = FakeLM(answers_wrong_for(set()), name="rollout")
    asked = []

    def rollout_lm(lm, round_idx):
        asked.append((lm, round_idx))
        return rollout

    result = BootstrapFewShot(max_bootstrapped_demos=2, max_labeled_demos=0, max_rounds=2).compile(
        task_for(classify_program(), train, base, rollout_lm=rollout_lm)
    )
    assert [i for i, _ in bootstrapped(result, "classify.judge")] == [0, 1]
    assert asked == [(base, 1), (base, 1)]
    assert len(base.requests) == 2 and len(rollout.requests) == 2
    assert result.lm_calls == 4


def test_a_module_called_several_times_keeps_one_call_per_run():
    train = sentences(4)
    lm = FakeLM(lambda r: {"label": correct_label(r.inputs["sentence"])})
    first = BootstrapFewShot(max_bootstrapped_demos=4, max_labeled_demos=0).compile(
        task_for(loop_program(times=3), train, lm)
    )
    again = BootstrapFewShot(max_bootstrapped_demos=4, max_labeled_demos=0).compile(
        task_for(loop_program(times=3), train, lm)
    )
    demos = first.params["loop.step"].demos
    assert len(demos) == 4
    assert [d["sentence"] for d in demos] == ["s0", "s1", "s2", "s3"]
    assert all(d["turn"] in (0, 1, 2) for d in demos)
    assert first.params == again.params


def test_a_compiled_starting_point_is_the_teacher_as_is():
    train = sentences(4)
    start_demos = ({"sentence": "given", "label": "positive"}, {"sentence": "s2", "label": "positive"})
    initial = {"classify.judge": Params(instructions="Tuned.", demos=start_demos)}
    lm = FakeLM(answers_wrong_for(set()))
    result = BootstrapFewShot(max_bootstrapped_demos=4, max_labeled_demos=4).compile(
        task_for(classify_program(), train, lm, initial=initial)
    )
    for request in lm.requests:
        assert request.instructions == "Tuned."
        expected = [d for d in start_demos if d["sentence"] != request.inputs["sentence"]]
        assert list(request.demos) == expected
    assert result.params["classify.judge"].instructions == "Tuned."
    assert initial["classify.judge"].demos == start_demos


def test_same_seed_same_result_and_the_seed_matters():
    train = sentences(12)
    lm = FakeLM(answers_wrong_for({1, 4, 7, 8, 10}))

    def run(seed):
        return BootstrapFewShot(max_bootstrapped_demos=2, max_labeled_demos=5).compile(
            task_for(classify_program(), train, lm, seed=seed)
        )

    assert run(3).params == run(3).params
    assert labeled(run(3), "classify.judge") != labeled(run(4), "classify.judge")


def test_labeled_fill_follows_dspy_sampling():
    """DSPy: shuffle the rows that did not pass with Random(seed), then each module
    samples from the previous module's sample with one Random(seed)."""
    examples = questions(10)
    wrong = {1, 2, 6}

    def answer(request):
        q = request.inputs["question"]
        if request.path == "pipe.draft":
            return {"draft": "d"}
        return {"answer": "WRONG" if index_of(q) in wrong else correct_label(q)}

    metric = lambda example, outputs: outputs["answer"] == example["label"]  # noqa: E731
    result = BootstrapFewShot(max_bootstrapped_demos=2, max_labeled_demos=5).compile(
        Task(program=pipeline_program(), trainset=examples, metric=metric, lm=FakeLM(answer), seed=11)
    )

    pool = [i for i in range(10) if i not in (0, 3)]  # 0 and 3 passed first
    random.Random(11).shuffle(pool)
    rng = random.Random(11)
    first = rng.sample(pool, 3)
    second = rng.sample(first, 3)
    assert labeled(result, "pipe.draft") == first
    assert labeled(result, "pipe.finish") == second
    assert [i for i, _ in bootstrapped(result, "pipe.finish")] == [0, 3]


def test_progress_reaches_the_total_even_when_bootstrapping_stops_early():
    seen = []
    task = task_for(
        classify_program(),
        sentences(6),
        FakeLM(answers_wrong_for(set())),
        on_progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    BootstrapFewShot(max_bootstrapped_demos=2).compile(task)
    assert seen == [("bootstrap", 1, 6), ("bootstrap", 2, 6), ("bootstrap", 6, 6)]


def test_call_counter_counts_the_requests_of_a_replaced_lm():
    from lmc.optimize.core.base import CallCounter

    class Replaceable:
        def __init__(self, temperature: float = 0.0) -> None:
            self.temperature = temperature

        def complete(self, messages: list[dict]) -> str:
            return f"t={self.temperature}"

        def replace(self, **changes: float) -> "Replaceable":
            return Replaceable(**changes)

    counter = CallCounter()
    lm = counter.wrap(Replaceable())
    hot = lm.replace(temperature=1.0)
    assert hot.complete([]) == "t=1.0" and lm.complete([]) == "t=0.0"
    assert counter.count == 2
