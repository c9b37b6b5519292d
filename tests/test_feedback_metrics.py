"""Metrics that return a score with feedback: every shape read by one function, kept per row, bad ones reported.

A metric may return a number, a bool, a mapping ``{"score": s, "feedback": t}``
or an object with those attributes (``dspy.Prediction(score=..., feedback=...)``);
only the number is the score. ``judge(Sig, feedback: true)`` asks its LM for
feedback too. Anything else fails the row that returned it, with the value.
"""

from __future__ import annotations

import json
from collections import namedtuple
from pathlib import Path
from typing import Any

import pytest

from lmc.cli.main import main
from lmc.host.evaluate import TooManyErrors, evaluate
from lmc.host.metrics import PythonMetric, measure
from lmc.optimize import BootstrapFewShot, Task
from lmc.runtime.judge import Judge
from lmc.runtime.kinds.best_of_n import Reward
from lmc.runtime.metrics import MetricValueError, Score, as_score
from lmc.runtime.signature import Field, Signature
from lmc.runtime.trace import TraceEntry
from tests.codegen.helpers import render_text, text_files
from tests.optimize.fakes import FakeLM, classify_program, correct_label, index_of, sentences
from tests.scripted import ScriptedLM, chat_answer
from tests.test_checks import diagnose


class Prediction:
    """Like ``dspy.Prediction``: fields as attributes, a missing one raises AttributeError."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


# ------------------------------------------------------------- the one reading


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, Score(1.0)),
        (0.25, Score(0.25)),
        (True, Score(1.0)),
        (False, Score(0.0)),
        ({"score": 0.5, "feedback": "close"}, Score(0.5, "close")),
        ({"score": True}, Score(1.0)),
        ({"score": 1, "feedback": None, "objective_scores": {"x": 1}}, Score(1.0)),
        (Prediction(score=0.75, feedback="almost"), Score(0.75, "almost")),
        (Prediction(score=False), Score(0.0)),
        (namedtuple("ScoreWithFeedback", "score feedback")(0.5, "half"), Score(0.5, "half")),
        (Score(0.3, "kept"), Score(0.3, "kept")),
    ],
)
def test_every_shape_of_a_score_is_read(value: Any, expected: Score) -> None:
    assert as_score(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yes", "the metric returned 'yes'; expected a number, a bool, or a score with feedback"),
        (None, "the metric returned None; expected a number"),
        ([1.0], "the metric returned [1.0]; expected"),
        ({"feedback": "no score"}, "the metric returned {'feedback': 'no score'}, which has no `score`"),
        ({"score": "high"}, "whose `score` is 'high'; expected a number or a bool"),
        (Prediction(score=None, feedback="x"), "whose `score` is None"),
        ({"score": 1.0, "feedback": 3}, "whose `feedback` is 3; expected a string or none"),
        (float("nan"), "the metric returned nan: a score cannot be NaN"),
        ({"score": float("nan")}, "a score cannot be NaN"),
        (Prediction(feedback="no score"), "expected a number, a bool, or a score with feedback"),
    ],
)
def test_anything_else_is_refused_with_the_value(value: Any, message: str) -> None:
    with pytest.raises(MetricValueError) as raised:
        as_score(value)
    assert message in str(raised.value)


def test_a_long_value_is_shown_cut() -> None:
    with pytest.raises(MetricValueError) as raised:
        as_score("x" * 1000)
    assert len(str(raised.value)) < 400 and "…" in str(raised.value)


def test_measure_passes_the_trace_only_when_bootstrapping() -> None:
    seen = []

    def metric(example, pred, trace=None):
        seen.append(trace)
        return {"score": example.label == pred.label, "feedback": f"saw {pred.label}"}

    wrapped = PythonMetric("graded", metric)
    entry = TraceEntry("p.m", {"x": 1}, {"label": "a"})
    assert measure(wrapped, {"label": "a"}, {"label": "a"}) == Score(1.0, "saw a")
    assert measure(wrapped, {"label": "a"}, {"label": "b"}, [entry]) == Score(0.0, "saw b")
    assert seen == [None, [("p.m", {"x": 1}, {"label": "a"})]]


# ------------------------------------------------------------ evaluations


def graded(example, outputs) -> dict:
    right = outputs["label"] == example["label"]
    return {"score": 1.0 if right else 0.0, "feedback": "right" if right else f"expected {example['label']}"}


def mostly_right(request) -> dict:
    i = index_of(request.inputs["sentence"])
    return {"label": correct_label(request.inputs["sentence"]) if i != 1 else "WRONG"}


def test_an_evaluation_keeps_each_rows_feedback_and_scores_the_number() -> None:
    program = classify_program()
    examples = sentences(3)
    result = evaluate(program, examples, graded, lm=FakeLM(mostly_right), params=program.default_params(), threads=2)
    assert [r.score for r in result.results] == [1.0, 0.0, 1.0]
    assert [r.feedback for r in result.results] == ["right", "expected negative", "right"]
    assert result.score == 66.67 and result.failed == 0
    assert [e.path for e in result.results[1].trace] == ["classify.judge"]  # beside its trace, for GEPA


def test_a_bad_value_fails_its_row_with_the_value_and_the_others_go_on() -> None:
    def sometimes(example, outputs):
        return "ok" if example["sentence"] == "s1" else {"score": 1.0}

    program = classify_program()
    result = evaluate(program, sentences(3), sometimes, lm=FakeLM(mostly_right), params=program.default_params())
    bad = result.results[1]
    assert (bad.score, bad.stage, bad.outputs) == (0.0, "score", {"label": "WRONG"})
    assert bad.error == (
        "the metric returned 'ok'; expected a number, a bool, or a score with feedback "
        '({"score": 0.5, "feedback": "..."})'
    )
    assert [r.error is None for r in result.results] == [True, False, True] and result.errors == 1


def test_max_errors_bad_values_stop_the_run_naming_the_last_row() -> None:
    program = classify_program()
    with pytest.raises(TooManyErrors) as raised:
        evaluate(
            program,
            sentences(4),
            lambda e, o: None,
            lm=FakeLM(mostly_right),
            params=program.default_params(),
            max_errors=2,
        )
    assert str(raised.value) == (
        "stopped after 2 failed runs (max_errors is 2); the last error (row 2): "
        "the metric returned None; expected a number, a bool, or a score with feedback "
        '({"score": 0.5, "feedback": "..."})'
    )


def test_bootstrapping_reads_feedback_scores_and_names_the_row_of_a_bad_value() -> None:
    program = classify_program()

    def right(request):
        return {"label": correct_label(request.inputs["sentence"])}

    task = Task(program=program, trainset=sentences(4), metric=graded, lm=FakeLM(right))
    result = BootstrapFewShot(max_bootstrapped_demos=2, max_labeled_demos=2).compile(task)
    assert [o.kind for o in result.origins["classify.judge"]] == ["bootstrapped", "bootstrapped"]

    bad = Task(program=program, trainset=sentences(4), metric=lambda e, o: "fine", lm=FakeLM(right))
    with pytest.raises(TooManyErrors, match=r"the last error \(trainset row 2\): the metric returned 'fine'"):
        BootstrapFewShot(max_errors=2).compile(bad)


def test_a_reward_takes_a_score_with_feedback_and_names_itself_on_a_bad_value() -> None:
    assert Reward("r", lambda i, p: {"score": 0.5, "feedback": "meh"}).score("p.m", {}, {}) == 0.5
    assert Reward("r", lambda i, p: Prediction(score=True)).score("p.m", {}, {}) == 1.0
    with pytest.raises(TypeError, match=r"module `p.m`: the reward `r` returned 'yes'; expected a number, a bool"):
        Reward("r", lambda i, p: "yes").score("p.m", {}, {})


# ------------------------------------------------------------------ judges

VERDICT = Signature(
    name="Verdict",
    instructions="Is the answer right?",
    inputs=(Field("question", str), Field("answer", str)),
    outputs=(Field("correct", bool),),
)


def test_a_judge_asked_for_feedback_writes_it_before_its_verdict() -> None:
    lm = ScriptedLM(lambda messages: chat_answer(feedback="It names the wrong city.", correct="False"))
    judge = Judge("judged", VERDICT, lm, feedback=True)
    assert judge({"question": "Capital of France?"}, {"answer": "Lyon"}) == Score(0.0, "It names the wrong city.")
    system = lm.calls[0][0]["content"]
    assert "Your output fields are:\n1. `feedback` (str): What the prediction does well" in system
    assert "2. `correct` (bool)" in system
    assert judge.with_lm(lm).feedback and "-> feedback, correct" in judge.describe()


def test_a_judge_without_the_option_is_asked_as_before() -> None:
    lm = ScriptedLM(lambda messages: chat_answer(correct="True"))
    assert Judge("judged", VERDICT, lm)({"question": "q"}, {"answer": "a"}) == 1.0
    assert "`feedback`" not in lm.calls[0][0]["content"]


def test_a_judge_whose_answer_does_not_parse_scores_zero_with_a_note() -> None:
    judge = Judge("judged", VERDICT, ScriptedLM(lambda messages: "no idea"), feedback=True)
    assert judge({"question": "q"}, {"answer": "a"}) == Score(0.0, "the judge's answer could not be read")


JUDGE_FILE = """
signature Answer = "question -> answer"
signature Verdict {{
  in  question: str
  in  {field}: str
  out correct: bool
}}
metric judged = judge(Verdict{options})
"""


@pytest.mark.parametrize(
    ("field", "options", "codes"),
    [
        ("answer", ", feedback: true", []),
        ("answer", ", feedback: false", []),
        ("answer", ", feedback: 1", ["E402"]),
        ("answer", ", feedbak: true", ["E401"]),
        ("feedback", ", feedback: true", ["E521"]),
        ("feedback", "", []),
    ],
)
def test_the_feedback_option_is_checked(tmp_path: Path, field: str, options: str, codes: list[str]) -> None:
    found = diagnose(tmp_path, JUDGE_FILE.format(field=field, options=options))
    assert [d.code for d in found] == codes
    if codes == ["E401"]:
        assert found[0].help == "did you mean `feedback`?"
    if codes == ["E521"]:
        assert found[0].message == (
            "judge metric `judged` asks for feedback as an output `feedback`, but signature `Verdict` "
            "already has a field `feedback` (an input)"
        )


# ----------------------------------------------------------- the package

REWARDS = '''
signature Answer {
  """Answer with the capital."""
  in  question: str
  out answer: str
}
signature Good {
  """Is the answer the capital, in one word?"""
  in  question: str
  in  answer: str
  out good: bool
}
metric judged = judge(Good, feedback: true)
metric brief = python "rewards:brief"

program best(question: str) -> (answer: str) {
  module pick = BestOfN(Answer, n: 3, reward: judged, threshold: 1.0)
  return pick(question=question)
}
program short(question: str) -> (answer: str) {
  module pick = BestOfN(Answer, n: 3, reward: brief, threshold: 1.0)
  return pick(question=question)
}
'''

BRIEF = """
def brief(inputs, prediction):
    words = len(prediction["answer"].split())
    return {"score": 1.0 if words == 1 else 0.0, "feedback": f"{words} words"}
"""


def test_the_package_ships_the_judges_option_and_its_rewards_read_scores_with_feedback(tmp_path: Path) -> None:
    from lmc.host.loader import load_package
    from lmc.runtime.lm.rollout import current_rollout

    (tmp_path / "rewards.py").write_text(BRIEF, encoding="utf-8")
    files = render_text(REWARDS, tmp_path, package="fb")
    assert '"judged": Judge("judged", GOOD, feedback=True),' in text_files(files)["fb/programs.py"]
    package = load_package(files, package="fb")

    def respond(messages: list[dict]) -> str:
        system, user = messages[0]["content"], messages[-1]["content"]
        if "`good` (bool)" in system:
            return chat_answer(feedback="One word, right.", good=str("[[ ## answer ## ]]\nTesk\n" in user))
        return chat_answer(answer={0: "It is Tesk", 1: "Tesk", 2: "Tesk again"}[current_rollout()])

    lm = ScriptedLM(respond)
    assert package.best(question="Capital of Varno?", lm=lm).answer == "Tesk"
    assert "`feedback` (str)" in lm.calls[1][0]["content"]  # the judge, asked for its feedback
    assert package.short(question="Capital of Varno?", lm=ScriptedLM(respond)).answer == "Tesk"


# ------------------------------------------------------------------- lmc eval

KEY_ENV = "LMC_FEEDBACK_TEST_KEY"
EVAL_SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}
signature Classify = "sentence -> sentiment"
program classify(sentence: str) -> (sentiment: str) {{
  module judge = Predict(Classify)
  return judge(sentence=sentence)
}}
metric graded = python "scoring:graded"
dataset dev = "dev.jsonl" {{ inputs: [sentence] }}
evaluate classify {{ metric: graded, dataset: dev }}
"""

SCORING = """
def graded(example, pred):
    if example.sentence == "Odd.":
        return "not a score"
    right = example.sentiment == pred.sentiment
    return {"score": float(right), "feedback": "right" if right else f"it is {example.sentiment}"}
"""


def test_lmc_eval_prints_the_feedback_and_each_bad_row_with_its_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from tests.runtime.stub_server import StubServer

    monkeypatch.setenv(KEY_ENV, "sk-feedback")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=lambda body: chat_answer(sentiment="positive")) as server:
        source = tmp_path / "app.lmp"
        source.write_text(EVAL_SOURCE.format(api_base=server.api_base, key_env=KEY_ENV), encoding="utf-8")
        (tmp_path / "scoring.py").write_text(SCORING, encoding="utf-8")
        rows = [("Fine.", "positive"), ("Bad.", "negative"), ("Odd.", "positive")]
        text = "".join(json.dumps({"sentence": s, "sentiment": label}) + "\n" for s, label in rows)
        (tmp_path / "dev.jsonl").write_text(text, encoding="utf-8")
        assert main(["eval", str(source), "classify", "--dataset", "dev", "--no-cache"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "33.3"
    assert "feedback" in captured.err and "it is negative" in captured.err
    assert "row 3: the metric returned 'not a score'; expected a number, a bool, or a score with feedback" in (
        captured.err
    )
    assert "1 of 3 row(s) failed" in captured.err and "Traceback" not in captured.err
