"""A metric that returns a score with feedback works with every optimizer, in ``lmc build``, over HTTP to the stub.

The stub project (``tests/stub_project.py``) with its ``accuracy`` metric
replaced by a Python metric returning ``{"score": ..., "feedback": ...}``
(or a ``judge`` asked for feedback): each family of optimizers scores
through it, and the build's scores are the numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmc.building.lock import read_lock
from lmc.cli.main import main
from tests.scripted import chat_answer
from tests.stub_project import stub_project
from tests.test_cli import knows_the_labels

SEARCH = (
    "BootstrapFewShotWithRandomSearch { max_bootstrapped_demos: 2, max_labeled_demos: 2, num_candidate_programs: 2 }"
)
METRIC = "metric accuracy = exact_match(sentiment)"

SCORING = """
import json
from pathlib import Path


def graded(example, pred, trace=None):
    right = example.sentiment == pred.sentiment
    with open(Path(__file__).with_name("calls.jsonl"), "a") as log:
        log.write(json.dumps(trace is not None) + "\\n")
    return {"score": float(right), "feedback": "right" if right else f"it is {example.sentiment}"}
"""

OPTIMIZERS = {
    "labeled": "LabeledFewShot { k: 2 }",
    "bootstrap": "BootstrapFewShot { max_bootstrapped_demos: 1, max_labeled_demos: 2 }",
    "random search + ensemble": f"[{SEARCH}, Ensemble {{ size: 2 }}]",
    "knn": "KNNFewShot { k: 2 }",
    # The stub answers in format only with demos in the prompt: LabeledFewShot gives them some first.
    "copro": "[LabeledFewShot { k: 2 }, COPRO { breadth: 2, depth: 1 }]",
    "mipro": "MIPROv2 { auto: none, num_candidates: 2, num_trials: 2, minibatch: false, max_bootstrapped_demos: 1, max_labeled_demos: 1 }",
    "simba": "[LabeledFewShot { k: 2 }, SIMBA { bsize: 2, num_candidates: 2, max_steps: 1, max_demos: 1 }]",
}


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS.values()), ids=list(OPTIMIZERS))
def test_every_optimizer_builds_with_a_feedback_metric(tmp_path: Path, monkeypatch, optimizer: str, capsys):
    edits = [(SEARCH, optimizer), (METRIC, 'metric accuracy = python "scoring:graded"')]
    with stub_project(tmp_path, monkeypatch, replace=edits) as (_, project):
        (tmp_path / "scoring.py").write_text(SCORING, encoding="utf-8")
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--threads", "1"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    lock = read_lock(project.with_suffix(".lock"))
    block, evaluated = lock.scores
    assert 0.0 <= block.baseline <= 100.0 and block.optimized is not None and evaluated.optimized is not None
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert calls and False in calls  # scored runs (no trace); bootstrapping ones pass the trace


def test_fine_tuning_reads_a_feedback_metric_and_stops_only_for_its_provider(tmp_path: Path, monkeypatch, capsys):
    edits = [
        (SEARCH, "[LabeledFewShot { k: 2 }, BootstrapFinetune]"),
        (METRIC, 'metric accuracy = python "scoring:graded"'),
    ]
    with stub_project(tmp_path, monkeypatch, replace=edits) as (_, project):
        (tmp_path / "scoring.py").write_text(SCORING, encoding="utf-8")
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--threads", "1"]) == 3
    err = capsys.readouterr().err
    assert "cannot be fine-tuned" in err and "Traceback" not in err  # the data was written: runs passed


def test_a_metric_returning_no_score_stops_the_build_with_the_row_and_the_value(tmp_path: Path, monkeypatch, capsys):
    edits = [(SEARCH, "BootstrapFewShot { max_errors: 2 }"), (METRIC, 'metric accuracy = python "scoring:graded"')]
    with stub_project(tmp_path, monkeypatch, replace=edits) as (_, project):
        (tmp_path / "scoring.py").write_text("def graded(example, pred):\n    return 'great'\n", encoding="utf-8")
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--threads", "1"]) == 3
    err = capsys.readouterr().err
    assert "stopped after 2 failed runs (max_errors is 2); the last error (trainset row 2): " in err
    assert "the metric returned 'great'; expected a number, a bool, or a score with feedback" in err
    assert "Traceback" not in err


JUDGE = """\
signature Agrees {
  \"\"\"Is the predicted sentiment the gold one?\"\"\"
  in  sentence: str
  in  sentiment: str
  out agrees: bool
}
metric accuracy = judge(Agrees, feedback: true)"""


def judging(body: dict) -> str:
    """The judge agrees with every positive answer and says so; the program as in ``test_cli``."""
    system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
    if "`agrees` (bool)" in system:
        positive = "[[ ## sentiment ## ]]\npositive" in user
        return chat_answer(feedback="Reads as positive." if positive else "Not positive.", agrees=str(positive))
    return knows_the_labels(body)


@pytest.mark.parametrize("optimizer", [OPTIMIZERS["bootstrap"], OPTIMIZERS["simba"]], ids=["bootstrap", "simba"])
def test_a_judge_asked_for_feedback_scores_a_build(tmp_path: Path, monkeypatch, optimizer: str):
    with stub_project(tmp_path, monkeypatch, replace=[(SEARCH, optimizer), (METRIC, JUDGE)]) as (server, project):
        server.answer = judging
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--threads", "1"]) == 0
        judged = [r for r in server.requests if "`agrees` (bool)" in r.body["messages"][0]["content"]]
    assert judged and all("`feedback` (str)" in r.body["messages"][0]["content"] for r in judged)
    assert read_lock(project.with_suffix(".lock")).scores[0].optimized is not None


def test_calibrate_fits_its_biases_on_a_feedback_metric(tmp_path: Path, monkeypatch):
    from tests.runtime.stub_server import StubServer
    from tests.test_calibrate_build import KEY_ENV, always_positive, margins, write_project

    monkeypatch.setenv(KEY_ENV, "sk-calibrate-feedback")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=always_positive, logprobs=margins) as server:
        project = write_project(tmp_path, server.api_base)
        project.write_text(project.read_text().replace(METRIC, 'metric accuracy = python "scoring:graded"'))
        (tmp_path / "scoring.py").write_text(SCORING, encoding="utf-8")
        assert main(["build", str(project), "-o", str(tmp_path / "out")]) == 0
    block = read_lock(project.with_suffix(".lock")).scores[0]
    assert block.optimized is not None and block.optimized > block.baseline  # the bias fitted on the numbers
    assert "choice_bias=" in (tmp_path / "out" / "app" / "app" / "params.py").read_text()
