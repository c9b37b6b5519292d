"""Calibrate: biases fitted on the calibration rows, kept only when the valset improves."""

from __future__ import annotations

import enum

import pytest

from lmc.data.datasets import Example
from lmc.host.evaluate import evaluate
from lmc.optimize import Task, create_optimizer
from lmc.optimize.calibrate import Calibrate, calibration_rows
from lmc.optimize.core.base import Candidate, DemoOrigin, TaskSizes
from lmc.optimize.core.options import OptionError
from lmc.runtime.program import Context, Program
from lmc.runtime.signature import Field, ModuleSpec, Params, Signature
from tests.scripted import ScoredLM, scored_chat_answer


class Mood(enum.Enum):
    positive = "positive"
    negative = "negative"


SIGNATURE = Signature("Classify", "Classify.", (Field("sentence", str),), (Field("sentiment", Mood),))
PATH = "classify.judge"


def program() -> Program:
    spec = ModuleSpec(path=PATH, kind="Predict", signature=SIGNATURE)

    def body(ctx: Context, *, sentence: str):
        return ctx.module(PATH)(sentence=sentence)

    return Program(
        name="classify",
        inputs=SIGNATURE.inputs,
        outputs=SIGNATURE.outputs,
        module_paths=(PATH,),
        modules={PATH: spec},
        body=body,
    )


def rows(labels: str, start: int = 0) -> tuple[Example, ...]:
    """Examples `s<i>` labelled p/n; the LM's margin for `s<i>` is set in MARGINS."""
    return tuple(
        Example({"sentence": f"s{start + i}", "sentiment": "positive" if c == "p" else "negative"}, ("sentence",))
        for i, c in enumerate(labels)
    )


def biased_lm(margin_of) -> ScoredLM:
    """A model that always writes `positive` but whose margin lp(pos) - lp(neg) is `margin_of(sentence)`."""

    def answer(messages):
        sentence = messages[-1]["content"].split("[[ ## sentence ## ]]\n", 1)[1].split("\n", 1)[0]
        return scored_chat_answer("sentiment", {"positive": -0.1, "negative": -0.1 - margin_of(sentence)}, "positive")

    return ScoredLM(answer)


def accuracy(example, prediction, trace=None):
    return prediction["sentiment"] in (example["sentiment"], Mood(example["sentiment"]))


# Positive sentences have margins 2.0..2.5, negative ones 0.5..1.0: all greedy answers are `positive`.
def margin(sentence: str) -> float:
    i = int(sentence[1:])
    return 2.0 + 0.1 * (i % 6) if i % 2 == 0 else 0.5 + 0.1 * (i % 6)


TRAIN = rows("pnpnpnpnpnpn")
VAL = rows("pnpnpnpn", start=100)


def task(lm, candidates=(), trainset=TRAIN) -> Task:
    return Task(program=program(), trainset=trainset, valset=VAL, metric=accuracy, lm=lm, candidates=candidates)


def test_calibrate_learns_the_bias_that_separates_the_labels():
    lm = biased_lm(margin)
    start = {PATH: Params(instructions="Classify.")}
    baseline = evaluate(program(), VAL, accuracy, lm=lm, params=start).score
    assert baseline == 50.0  # the model answers `positive` every time
    result = Calibrate().compile(task(lm))
    bias = result.params[PATH].choice_bias["sentiment"]
    assert set(bias) == {"negative"} and 1.0 < bias["negative"] < 2.0
    assert result.score == 100.0
    assert evaluate(program(), VAL, accuracy, lm=lm, params=result.params).score == 100.0


def test_fitting_re_runs_from_memory_one_request_per_row():
    lm = biased_lm(margin)
    Calibrate().compile(task(lm))
    # start scored on the valset (8 plain), then 12 scored calibration rows and 8 scored valset rows.
    assert len(lm.calls) == 8 + 12 + 8
    assert len(lm.scored_calls) == 12 + 8


def test_a_calibration_that_does_not_help_keeps_the_parameters():
    lm = biased_lm(lambda s: 1.0)  # no signal: every sentence has the same margin
    result = Calibrate().compile(task(lm))
    assert result.params[PATH].choice_bias == {}
    assert result.score == 50.0


def test_demo_rows_are_left_out_of_the_calibration_rows():
    origins = {PATH: (DemoOrigin("bootstrapped", 0), DemoOrigin("labeled", 3))}
    kept = calibration_rows(TRAIN, origins)
    assert [e["sentence"] for e in kept] == [f"s{i}" for i in range(12) if i not in (0, 3)]
    assert calibration_rows(TRAIN[:2], {PATH: (DemoOrigin("labeled", 0),)}) == list(TRAIN[:2])


def test_the_best_previous_candidates_are_calibrated_and_the_best_wins():
    lm = biased_lm(margin)
    weak = Candidate("weak", 40.0, {PATH: Params(instructions="Weak.")}, {PATH: ()})
    strong = Candidate("strong", 50.0, {PATH: Params(instructions="Classify.")}, {PATH: ()})
    result = Calibrate(candidates=2).compile(task(lm, candidates=(weak, strong)))
    assert [c.label for c in result.candidates] == ["strong calibrated", "weak calibrated"]
    assert result.params[PATH].instructions == "Classify." and result.score == 100.0


def test_a_program_without_choice_outputs_is_left_alone(caplog):
    lm = biased_lm(margin)
    plain = Signature("Echo", "Echo.", (Field("sentence", str),), (Field("sentiment", str),))
    prog = program()
    prog.modules[PATH] = ModuleSpec(path=PATH, kind="Predict", signature=plain)
    t = Task(program=prog, trainset=TRAIN, valset=VAL, metric=accuracy, lm=lm)
    result = Calibrate().compile(t)
    assert result.params[PATH].choice_bias == {} and lm.scored_calls == []
    assert "no Predict/ChainOfThought output" in caplog.text


def test_options_and_estimate():
    assert create_optimizer("Calibrate", {"candidates": 3}) == Calibrate(candidates=3)
    with pytest.raises(Exception, match="candidates"):
        create_optimizer("Calibrate", {"candidates": 0})
    estimate = Calibrate(candidates=2).estimate_calls(TaskSizes(trainset=12, valset=8, run_calls=1))
    assert estimate.calls == 2 * (12 + 8) + 8 and estimate.upper_bound


def test_a_local_model_must_decode_greedily():
    lm = biased_lm(margin)
    lm.model, lm.temperature = "local/smollm2", 0.7
    with pytest.raises(OptionError, match="temperature: 0.0"):
        Calibrate().compile(task(lm))
    lm.temperature = 0.0
    assert Calibrate().compile(task(lm)).score == 100.0
