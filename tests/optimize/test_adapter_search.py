"""The `adapters:` option: MIPROv2 and the random search choose a prompt format per module, seeded."""

from __future__ import annotations

from dataclasses import replace

from lmc.optimize import BootstrapFewShotWithRandomSearch, Task
from lmc.optimize.core.adapters import adapter_choices, draw_adapters
from lmc.optimize.mipro import optimizer as mipro
from tests.optimize.fakes import FakeLM, classify_program, correct_label, label_match, sentences
from tests.optimize.mipro_fakes import MANUAL, mipro_task

TRAIN = sentences(8)
VAL = sentences(6, prefix="v")


def json_knows(request):
    """Right only when the module asks in JSON: the search must find that adapter."""
    right = request.adapter == "json"
    return {"label": correct_label(request.inputs["sentence"]) if right else "WRONG"}


def random_search(seed: int = 0, program=None, **options):
    lm = FakeLM(json_knows)
    task = Task(
        program=program or classify_program(),
        trainset=TRAIN,
        valset=VAL,
        metric=label_match,
        lm=lm,
        seed=seed,
    )
    settings = {"max_bootstrapped_demos": 2, "max_labeled_demos": 2, "num_candidate_programs": 4, **options}
    return BootstrapFewShotWithRandomSearch(**settings).compile(task), lm


def test_the_random_search_picks_the_adapter_that_scores_best():
    result, lm = random_search(adapters=("chat", "json"))
    assert result.params["classify.judge"].adapter == "json"
    assert result.score == 100.0
    labels = [c.label for c in result.candidates]
    assert labels[0] == "zero-shot"  # the starting program, with its own adapter
    assert any("[adapters classify.judge: json]" in label for label in labels)
    assert any("[adapters classify.judge: chat]" in label for label in labels)
    assert {r.adapter for r in lm.requests} == {"chat", "json"}


def test_the_random_search_draws_alike_for_a_seed_and_otherwise_for_another():
    first, _ = random_search(seed=3, adapters=("chat", "json", "xml"))
    again, _ = random_search(seed=3, adapters=("chat", "json", "xml"))
    assert [c.label for c in first.candidates] == [c.label for c in again.candidates]
    assert first.params == again.params
    choices = {"p.a": ("chat", "json", "xml", "two_step"), "p.b": ("chat", "json", "xml", "two_step")}
    draws = {tuple(draw_adapters(choices, seed).values()) for seed in range(12)}
    assert len(draws) > 1


def test_without_the_option_nothing_changes():
    result, lm = random_search()
    assert all("adapters" not in c.label for c in result.candidates)
    assert result.params["classify.judge"].adapter == "chat"
    assert {r.adapter for r in lm.requests} == {"chat"}


def test_a_module_whose_file_fixes_its_adapter_is_not_searched():
    program = classify_program()
    spec = program.modules["classify.judge"]
    program.modules["classify.judge"] = replace(spec, adapter="xml")
    task = Task(program=program, trainset=TRAIN, valset=VAL, metric=label_match, lm=FakeLM(json_knows))
    assert adapter_choices(task, ("chat", "json")) == {}
    result, lm = random_search(program=program, adapters=("chat", "json"))
    assert result.params["classify.judge"].adapter == "xml"
    assert {r.adapter for r in lm.requests} == {"xml"}


def test_the_starting_adapter_comes_first_in_a_modules_choices():
    task = Task(program=classify_program(), trainset=TRAIN, valset=VAL, metric=label_match, lm=FakeLM(json_knows))
    assert adapter_choices(task, ("json", "chat", "json")) == {"classify.judge": ("chat", "json")}
    assert adapter_choices(task, ("xml", "json")) == {"classify.judge": ("xml", "json")}


def test_mipro_searches_an_adapter_per_module_and_keeps_the_best():
    task = mipro_task(task_lm=FakeLM(json_knows, "task"), seed=0)
    result = mipro.MIPROv2(**{**MANUAL, "adapters": ("chat", "json")}).compile(task)
    assert result.params["classify.judge"].adapter == "json"
    labels = [c.label for c in result.candidates]
    assert labels[0].startswith("trial 0 (starting program)") and labels[0].endswith("adapter chat")
    assert any(label.endswith("adapter json") for label in labels)
    again = mipro.MIPROv2(**{**MANUAL, "adapters": ("chat", "json")}).compile(
        mipro_task(task_lm=FakeLM(json_knows, "task"), seed=0)
    )
    assert [c.label for c in again.candidates] == labels and again.params == result.params


def test_mipro_without_the_option_has_no_adapter_parameter():
    result = mipro.MIPROv2(**MANUAL).compile(mipro_task(seed=0))
    assert all("adapter" not in c.label for c in result.candidates)
    assert result.params["classify.judge"].adapter == "chat"
