"""GEPA through ``lmc build``, end to end, on a program written for it: a ticket triage over HTTP to the stub.

The stub plays two models. The program's (``openai/stub``) rates every
ticket ``low`` unless its instructions hold the rule; the reflection LM
(``openai/stub-strong``, the file's ``strong``) answers GEPA's instruction
proposal (DSPy's ``ProposeInstruction``, in the JSON format) with that rule once the prompt shows the metric's feedback on a
ticket rated wrong. The metric is a Python metric that returns a score with
feedback.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from lmc.building.lock import read_lock
from lmc.cli.main import main
from lmc.optimize import gepa
from lmc.runtime.errors import LMError
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer
from tests.test_lock import files_of

KEY_ENV = "LMC_GEPA_TEST_KEY"
RULE = "A ticket about an outage, lost data or a security problem is high; anything else is low."

SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}
lm strong = "openai/stub-strong" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 1.0 }}

enum Urgency {{ low, high }}

signature Triage {{
  \"\"\"Decide how urgent a support ticket is.\"\"\"
  in  ticket: str
  out urgency: Urgency
}}

program triage(ticket: str) -> (urgency: Urgency) {{
  module rate = Predict(Triage)
  return rate(ticket=ticket)
}}

metric graded = python "grading:urgency"
dataset train = "train.jsonl" {{ inputs: [ticket] }}
dataset dev = "dev.jsonl" {{ inputs: [ticket] }}

optimize triage {{
  optimizer: GEPA {{ max_metric_calls: 20, reflection_minibatch_size: 2, reflection_lm: strong{budget} }}
  metric: graded
  trainset: train
  valset: dev
  seed: 0
}}

evaluate triage {{ metric: graded, dataset: dev }}
"""

GRADING = """
def urgency(example, pred, trace=None):
    if example.urgency == pred.urgency:
        return {"score": 1.0, "feedback": "Rated right."}
    return {"score": 0.0, "feedback": f"This ticket is {example.urgency}: {example.why}"}
"""

TRAIN = [
    ("The whole site is down for every customer.", "high", "an outage"),
    ("Can I change the color of my dashboard?", "low", "a question"),
    ("Someone logged into my account from abroad.", "high", "a security problem"),
    ("Please add dark mode.", "low", "a wish"),
    ("All my invoices from last year are gone.", "high", "lost data"),
    ("How do I export a report?", "low", "a question"),
]
DEV = [
    ("Our API returns errors for every request.", "high", "an outage"),
    ("Where do I find my receipts?", "low", "a question"),
    ("A stranger changed my password.", "high", "a security problem"),
]
URGENCY = {ticket: urgency for ticket, urgency, _ in TRAIN + DEV}


class Stub:
    """The stub's two models; ``reflections`` keeps every request to the reflection LM."""

    def __init__(self) -> None:
        self.reflections: list[dict] = []

    def __call__(self, body: dict) -> str:
        content = body["messages"][-1]["content"]
        if content.startswith("[[ ## current_instruction ## ]]"):
            self.reflections.append(body)
            return json.dumps({"new_instruction": RULE})
        system = body["messages"][0]["content"]
        ticket = re.search(r"\[\[ ## ticket ## \]\]\n(.*?)\n", content).group(1)
        return chat_answer(urgency=URGENCY[ticket] if RULE in system else "low")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(KEY_ENV, "sk-gepa")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    stub = Stub()
    with StubServer(answer=stub) as server:

        def write(budget: str = "") -> Path:
            source = tmp_path / "triage.lmp"
            text = SOURCE.format(api_base=server.api_base, key_env=KEY_ENV, budget=budget)
            source.write_text(text, encoding="utf-8")
            return source

        (tmp_path / "grading.py").write_text(GRADING, encoding="utf-8")
        for name, rows in (("train", TRAIN), ("dev", DEV)):
            text = "".join(json.dumps({"ticket": t, "urgency": u, "why": w}) + "\n" for t, u, w in rows)
            (tmp_path / f"{name}.jsonl").write_text(text, encoding="utf-8")
        yield server, stub, write


def build(source: Path, out: Path, *extra: str) -> int:
    return main(["build", str(source), "-o", str(out), "--threads", "2", *extra])


def test_a_gepa_build_learns_from_feedback_and_reports_its_frontier(project, tmp_path: Path, caplog):
    _, stub, write = project
    source = write()
    with caplog.at_level(logging.INFO, logger="lmc"):
        assert build(source, tmp_path / "out") == 0
    # The winner's valset scoring (all three rows, none failed) is the block's final score: not run again.
    assert "optimized triage on dev: 100.00%, as the search measured it" in caplog.text
    # And the starting program's valset rows are the baseline's, not run again either.
    assert "GEPA: 3 valset row(s) of this program scored already, by the build" in caplog.text

    lock = read_lock(source.with_suffix(".lock"))
    (step,) = lock.blocks[0].steps
    assert lock.params["triage.rate"].instructions == RULE
    assert lock.scores[0].baseline == pytest.approx(33.33) and lock.scores[0].optimized == 100.0
    assert [(c.label, c.score, c.chosen) for c in step.candidates] == [
        ("candidate 0: the starting program", 33.33, False),
        ("candidate 1: candidate 0 with new instructions for `triage.rate` (iteration 1)", 100.0, True),
    ]
    assert step.score == 100.0 and step.stopped is None
    assert step.frontier is not None and step.frontier.parents == ((), (0,))
    assert step.frontier.rows == ((0.0, 1.0, 0.0), (1.0, 1.0, 1.0))

    # The reflection LM read each ticket, its rating and the metric's feedback.
    assert len(stub.reflections) == 1
    asked = stub.reflections[0]["messages"][-1]["content"]
    assert '"Feedback": "This ticket is high: ' in asked and "Decide how urgent a support ticket is." in asked

    report = (tmp_path / "out" / "triage" / "report.html").read_text(encoding="utf-8")
    assert "Lineage and Pareto frontier" in report and "Notes on the run" in report
    lineage = re.findall(r'<tr class="chosen"><td class="num">(\d+)</td><td>([^<]*)</td>', report)
    assert ("1", "0") in lineage  # candidate 1, made from 0, chosen
    assert "kept as candidate 1" in report


def test_frozen_and_warm_rebuilds_write_the_same_bytes(project, tmp_path: Path):
    server, _, write = project
    source = write()
    out = tmp_path / "out"
    assert build(source, out) == 0
    first, lock = files_of(out / "triage"), source.with_suffix(".lock").read_bytes()
    asked = server.count

    assert build(source, out, "--threads", "1") == 0  # warm, and one thread: every answer from the cache
    assert server.count == asked and files_of(out / "triage") == first

    server.fail(500, times=1000)
    assert build(source, out, "--frozen") == 0
    assert server.count == asked and files_of(out / "triage") == first
    assert source.with_suffix(".lock").read_bytes() == lock


def test_an_interrupted_build_resumes_from_the_cache_to_the_same_bytes(
    project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    _, _, write = project
    source = write()
    assert build(source, tmp_path / "whole") == 0
    whole = files_of(tmp_path / "whole" / "triage")

    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "other-cache"))
    propose = gepa._Run.propose_new_texts

    def lost(*args, **kwargs):
        raise gepa._Fatal(LMError("openai/stub-strong", "the connection was lost"))

    monkeypatch.setattr(gepa._Run, "propose_new_texts", lost)  # the first reflection stops the build
    assert build(source, tmp_path / "out") == 3
    monkeypatch.setattr(gepa._Run, "propose_new_texts", propose)
    assert build(source, tmp_path / "out") == 0  # what was answered comes from the cache
    assert files_of(tmp_path / "out" / "triage") == whole


def test_the_dry_run_estimate_bounds_the_calls_the_build_makes(project, tmp_path: Path, capsys):
    server, _, write = project
    source = write()
    capsys.readouterr()
    assert main(["build", str(source), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if "1. GEPA" in line)
    estimate = int(re.search(r"at most ([\d,]+)", line).group(1).replace(",", ""))
    # 20 scored runs at most, passed by the last iteration's merge (5) and the valset (3); reflections: two at
    # most per iteration after the valset's 3 runs (a proposal that fails is asked again), each scoring 2 runs or more.
    assert estimate == (19 + 5 + 3) + 2 * ((20 - 1 - 3) // 2 + 1)
    assert server.count == 0

    assert build(source, tmp_path / "out") == 0
    (step,) = read_lock(source.with_suffix(".lock")).blocks[0].steps
    # The valset (3 runs, taken from the baseline: no answer), iteration 1 (2 + 1 reflection + 2 + 3), then
    # perfect minibatches of 2 up to 20 runs. The estimate cannot know the baseline's rows will be taken.
    assert step.usage.answers == 8 + 2 * 5 == 18 <= estimate - 3


def test_a_budget_stops_gepa_and_the_build_goes_on(project, tmp_path: Path):
    _, _, write = project
    source = write(", max_lm_calls: 7")
    assert build(source, tmp_path / "out") == 0
    (step,) = read_lock(source.with_suffix(".lock")).blocks[0].steps
    assert step.stopped is not None and "budget of 7 LM call(s)" in step.stopped
    assert step.usage.answers == 7  # the valset's 3 rows are the baseline's results (no answer), then 7 calls
    assert [c.label for c in step.candidates] == ["candidate 0: the starting program"]
    report = (tmp_path / "out" / "triage" / "report.html").read_text(encoding="utf-8")
    assert "Stopped early" in report and "Lineage and Pareto frontier" in report
