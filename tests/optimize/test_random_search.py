from lmc.host.evaluate import evaluate
from lmc.optimize import BootstrapFewShotWithRandomSearch, Task
from tests.optimize.fakes import FakeLM, classify_program, correct_label, index_of, label_match, sentences

TRAIN = sentences(12)
VAL = sentences(6, prefix="v")


def teacher_answer(request):
    """Right on every trainset sentence except s3 and s8."""
    i = index_of(request.inputs["sentence"])
    return {"label": "WRONG" if i in (3, 8) else correct_label(request.inputs["sentence"])}


def student_answer(request):
    """Right on ``vJ`` only when a demo shows ``sJ`` or ``s(J+6)``: each demo set scores differently."""
    j = index_of(request.inputs["sentence"])
    shown = {index_of(d["sentence"]) % 6 for d in request.demos}
    return {"label": correct_label(request.inputs["sentence"]) if j in shown else "WRONG"}


def search(seed=0, **options):
    teacher, student = FakeLM(teacher_answer, "teacher"), FakeLM(student_answer, "student")
    task = Task(
        program=classify_program(),
        trainset=TRAIN,
        valset=VAL,
        metric=label_match,
        lm=student,
        teacher_lm=teacher,
        seed=seed,
    )
    defaults = {"max_bootstrapped_demos": 3, "max_labeled_demos": 3, "num_candidate_programs": 4}
    return BootstrapFewShotWithRandomSearch(**{**defaults, **options}).compile(task), teacher, student


def test_scores_three_baselines_and_n_candidates_on_the_valset_only():
    result, teacher, student = search(num_candidate_programs=4)

    labels = [c.label for c in result.candidates]
    assert labels[:3] == ["zero-shot", "labeled", "bootstrap"]
    assert len(labels) == 3 + 4 and all(label.startswith("bootstrap seed ") for label in labels[3:])
    # The student LM only ever saw the valset; the teacher only the trainset.
    assert len(student.requests) == 7 * len(VAL)
    assert {r.inputs["sentence"] for r in student.requests} == {e["sentence"] for e in VAL}
    assert {r.inputs["sentence"] for r in teacher.requests} <= {e["sentence"] for e in TRAIN}
    assert result.lm_calls == len(student.requests) + len(teacher.requests)
    assert result.candidates[0].score == 0.0  # zero-shot knows nothing here


def test_keeps_the_best_candidate():
    result, _, _ = search()
    scores = [c.score for c in result.candidates]
    assert len(set(scores)) > 1, "the fake should make candidates differ"
    assert result.score == max(scores)
    rescored = evaluate(classify_program(), VAL, label_match, lm=FakeLM(student_answer), params=result.params)
    assert rescored.score == result.score


def test_ties_keep_the_first_candidate():
    task = Task(
        program=classify_program(),
        trainset=TRAIN,
        valset=VAL,
        metric=label_match,
        lm=FakeLM(lambda r: {"label": correct_label(r.inputs["sentence"])}),
    )
    result = BootstrapFewShotWithRandomSearch(num_candidate_programs=2).compile(task)
    assert [c.score for c in result.candidates] == [100.0] * 5
    assert result.params["classify.judge"].demos == ()  # zero-shot came first


def test_reproducible_with_a_seed_and_different_with_another():
    first, _, _ = search(seed=7)
    again, _, _ = search(seed=7)
    other, _, _ = search(seed=8)
    assert first.params == again.params and first.candidates == again.candidates
    assert first.origins == again.origins
    assert (first.params, first.candidates) != (other.params, other.candidates)


def test_threads_do_not_change_the_outcome():
    one, teacher_one, student_one = search(num_threads=1)
    three, teacher_three, student_three = search(num_threads=3)
    assert one.params == three.params and one.candidates == three.candidates
    assert one.lm_calls == three.lm_calls
    assert len(teacher_one.requests) == len(teacher_three.requests) and len(student_one.requests) == len(
        student_three.requests
    )


class InFlight:
    """Wraps answer functions: each answer waits ``pause`` seconds, and ``peak`` keeps the most running at once."""

    def __init__(self, pause: float) -> None:
        import threading

        self.pause = pause
        self.lock = threading.Lock()
        self.running = self.peak = 0

    def counted(self, answer):
        import time

        def run(request):
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            time.sleep(self.pause)
            with self.lock:
                self.running -= 1
            return answer(request)

        return run


def search_in_flight(threads: int, student, teacher):
    task = Task(
        program=classify_program(),
        trainset=TRAIN,
        valset=VAL,
        metric=label_match,
        lm=FakeLM(student, "student"),
        teacher_lm=FakeLM(teacher, "teacher"),
    )
    options = {"max_bootstrapped_demos": 3, "max_labeled_demos": 3, "num_candidate_programs": 4}
    return BootstrapFewShotWithRandomSearch(num_threads=threads, **options).compile(task)


def test_candidates_are_bootstrapped_concurrently_with_threads():
    teachers = InFlight(pause=0.01)
    sequential = search_in_flight(1, student_answer, teachers.counted(teacher_answer))
    assert teachers.peak == 1
    teachers.peak = 0
    parallel = search_in_flight(4, student_answer, teachers.counted(teacher_answer))
    assert teachers.peak > 1
    assert parallel.params == sequential.params and parallel.candidates == sequential.candidates


def test_stop_at_score_keeps_the_sequential_order():
    """With stop_at_score no candidate is bootstrapped ahead: those after the stop are never built."""
    stopped, teacher, _ = search(num_threads=3, stop_at_score=0.0)
    alone, teacher_alone, _ = search(num_threads=1, stop_at_score=0.0)
    assert len(stopped.candidates) == 1 and len(teacher.requests) == len(teacher_alone.requests)


def test_stop_at_score_ends_the_search():
    result, _, student = search(stop_at_score=0.0)
    assert [c.label for c in result.candidates] == ["zero-shot"]
    assert len(student.requests) == len(VAL)


def test_without_a_valset_candidates_are_scored_on_the_trainset():
    student = FakeLM(lambda r: {"label": correct_label(r.inputs["sentence"])})
    task = Task(
        program=classify_program(), trainset=TRAIN, metric=label_match, lm=student, teacher_lm=FakeLM(teacher_answer)
    )
    result = BootstrapFewShotWithRandomSearch(num_candidate_programs=0).compile(task)
    assert len(result.candidates) == 3
    assert {r.inputs["sentence"] for r in student.requests} == {e["sentence"] for e in TRAIN}


def test_zero_bootstrapped_demos_is_allowed():
    result, teacher, _ = search(max_bootstrapped_demos=0, num_candidate_programs=2)
    assert teacher.requests == []
    assert {o.kind for o in result.origins["classify.judge"]} <= {"labeled"}


def test_scoring_overlaps_candidates_within_the_threads_in_flight():
    """The next candidate is scored beside the end of the current one, teacher and student requests
    together never more than ``threads`` in flight, and the outcome is the sequential one."""
    both = InFlight(pause=0.005)
    sequential = search_in_flight(1, both.counted(student_answer), both.counted(teacher_answer))
    both.peak = 0
    overlapping = search_in_flight(3, both.counted(student_answer), both.counted(teacher_answer))
    assert 1 < both.peak <= 3
    assert overlapping.params == sequential.params and overlapping.candidates == sequential.candidates
    assert overlapping.lm_calls == sequential.lm_calls


def test_a_known_score_of_the_zero_shot_program_is_taken_not_measured_again():
    """The build's baseline (the same program on the same rows) stands for the zero-shot candidate."""
    from dataclasses import replace

    from lmc.optimize.core.base import params_key

    plain, _, plain_student = search(num_candidate_programs=2)
    teacher, student = FakeLM(teacher_answer, "teacher"), FakeLM(student_answer, "student")
    program = classify_program()
    task = Task(program=program, trainset=TRAIN, valset=VAL, metric=label_match, lm=student, teacher_lm=teacher)
    zero_shot = {path: replace(p, demos=()) for path, p in task.start_params().items()}
    known = replace(task, known_scores={params_key(program, zero_shot): 0.0})
    options = {"max_bootstrapped_demos": 3, "max_labeled_demos": 3, "num_candidate_programs": 2}
    result = BootstrapFewShotWithRandomSearch(num_threads=2, **options).compile(known)
    assert [(c.label, c.score) for c in result.candidates] == [(c.label, c.score) for c in plain.candidates]
    assert result.params == plain.params
    assert len(student.requests) == len(plain_student.requests) - len(VAL)  # the zero-shot rows were not asked
    assert all(r.demos for r in student.requests)  # every request the student saw had demos: none was zero-shot


def test_params_key_reads_a_missing_module_as_its_defaults():
    from dataclasses import replace

    from lmc.optimize.core.base import params_key

    program = classify_program()
    defaults = program.default_params()
    assert params_key(program, {}) == params_key(program, defaults)
    changed = {path: replace(p, instructions="Another instruction.") for path, p in defaults.items()}
    assert params_key(program, changed) != params_key(program, defaults)
