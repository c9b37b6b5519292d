"""SIMBA through ``lmc build``, end to end, on a program written for it: a support router over HTTP to the stub.

The stub plays a small model. Sampled at temperature 1.0 (SIMBA's rollouts),
it answers a request right the first time it sees it and wrong the next, so
every row's two samples disagree; at temperature 0 it routes right only with
a demo in the prompt or the rule the prompt model writes. The metric is a
Python metric that returns a score with feedback, which SIMBA shows the
prompt model.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from lmc.building.lock import read_lock
from lmc.cli.main import main
from lmc.optimize import simba
from lmc.runtime.errors import LMError
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer
from tests.test_lock import files_of

KEY_ENV = "LMC_SIMBA_TEST_KEY"
RULE = "Messages about money go to billing; about parcels to shipping; about logins to account."

SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}

enum Team {{ billing, shipping, account }}

signature Route {{
  \"\"\"Route a customer message to the team that handles it.\"\"\"
  in  message: str
  out team: Team
}}

program route(message: str) -> (team: Team) {{
  module pick = ChainOfThought(Route)
  return pick(message=message)
}}

metric graded = python "grading:team"
dataset train = "train.jsonl" {{ inputs: [message] }}
dataset dev = "dev.jsonl" {{ inputs: [message] }}

optimize route {{
  optimizer: SIMBA {{ bsize: 4, num_candidates: 2, max_steps: 2, max_demos: 1{budget} }}
  metric: graded
  trainset: train
  valset: dev
  seed: 0
}}

evaluate route {{ metric: graded, dataset: dev }}
"""

GRADING = """
def team(example, pred, trace=None):
    if example.team == pred.team:
        return {"score": 1.0, "feedback": "Routed right."}
    return {"score": 0.0, "feedback": f"The team is {example.team}, not {pred.team}."}
"""

TRAIN = [
    ("I was charged twice this month.", "billing"),
    ("My parcel never arrived.", "shipping"),
    ("I cannot log in anymore.", "account"),
    ("Please refund my last payment.", "billing"),
    ("The box came damaged.", "shipping"),
    ("Reset my password, please.", "account"),
]
DEV = [
    ("Why is my invoice so high?", "billing"),
    ("Where is my delivery?", "shipping"),
    ("My account is locked.", "account"),
]
TEAMS = dict(TRAIN + DEV)


class Stub:
    """The stub's answers; ``seen`` counts each request body, for the samples that alternate."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.advice: list[dict] = []

    def __call__(self, body: dict) -> str:
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        if "`module_advice`" in system:
            self.advice.append(body)
            return chat_answer(
                discussion="The worse run ignored the topic.", module_advice=json.dumps({"route.pick": RULE})
            )
        message = re.search(r"\[\[ ## message ## \]\]\n(.*?)\n", user).group(1)
        if body.get("temperature") == 1.0:
            key = json.dumps(body["messages"], sort_keys=True)
            self.seen[key] = self.seen.get(key, 0) + 1
            right = self.seen[key] % 2 == 1
        else:
            right = RULE in system or len(body["messages"]) > 2
        team = TEAMS[message] if right else "shipping" if TEAMS[message] != "shipping" else "account"
        return chat_answer(reasoning="It is about the topic.", team=team)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(KEY_ENV, "sk-simba")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    stub = Stub()
    with StubServer(answer=stub) as server:

        def write(budget: str = "") -> Path:
            source = tmp_path / "router.lmp"
            text = SOURCE.format(api_base=server.api_base, key_env=KEY_ENV, budget=budget)
            source.write_text(text, encoding="utf-8")
            return source

        (tmp_path / "grading.py").write_text(GRADING, encoding="utf-8")
        for name, rows in (("train", TRAIN), ("dev", DEV)):
            text = "".join(json.dumps({"message": m, "team": t}) + "\n" for m, t in rows)
            (tmp_path / f"{name}.jsonl").write_text(text, encoding="utf-8")
        yield server, stub, write


def build(source: Path, out: Path, *extra: str) -> int:
    return main(["build", str(source), "-o", str(out), "--threads", "1", *extra])


def test_a_simba_build_learns_from_feedback_and_reports_its_steps(project, tmp_path: Path, capsys):
    server, stub, write = project
    source = write()
    assert build(source, tmp_path / "out") == 0

    lock = read_lock(source.with_suffix(".lock"))
    (step,) = lock.blocks[0].steps
    labels = [c.label for c in step.candidates]
    assert sum(label.endswith("(minibatch)") for label in labels) == 6  # 3 new candidates in each of 2 steps
    assert [label for label in labels if label.startswith("final:")][0] == (
        "final: program 0 (the starting program) on the trainset"
    )
    chosen = [c for c in step.candidates if c.chosen]
    assert len(chosen) == 1 and chosen[0].label.startswith("final:") and chosen[0].score == step.score == 100.0
    pick = lock.params["route.pick"]
    assert RULE in pick.instructions or pick.demos  # a rule or a demo made the model route right
    assert lock.scores[0].optimized == 100.0 and lock.scores[0].baseline == 0.0

    # The prompt model saw the metric's feedback on the better and the worse run.
    assert stub.advice, "no rule was asked for"
    asked = stub.advice[0]["messages"][-1]["content"]
    assert '"feedback": "Routed right."' in asked and "The team is" in asked

    report = (tmp_path / "out" / "router" / "report.html").read_text(encoding="utf-8")
    assert "SIMBA" in report and "(minibatch)" in report and "on the trainset" in report
    marked = re.findall(r'<tr class="chosen"><td class="num">\d+</td><td>([^<]*)</td>', report)
    assert marked == [chosen[0].label]


def test_without_a_valset_the_winners_trainset_scoring_is_the_final_score(project, tmp_path: Path, caplog):
    """SIMBA scores its final candidates on the trainset, which a block without a valset is scored on: the
    chosen one's scoring (no row failed) is the block's final score, not run again."""
    _, _, write = project
    source = write()
    source.write_text(source.read_text(encoding="utf-8").replace("  valset: dev\n", ""), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="lmc.building.pipeline"):
        assert build(source, tmp_path / "out") == 0
    assert "optimized route on train: 100.00%, as the search measured it" in caplog.text
    lock = read_lock(source.with_suffix(".lock"))
    assert lock.scores[0].optimized == lock.blocks[0].steps[0].score == 100.0


def test_frozen_and_warm_rebuilds_write_the_same_bytes(project, tmp_path: Path):
    server, _, write = project
    source = write()
    out = tmp_path / "out"
    assert build(source, out) == 0
    first, lock = files_of(out / "router"), source.with_suffix(".lock").read_bytes()
    asked = server.count

    assert build(source, out) == 0  # warm: every answer from the cache
    assert server.count == asked and files_of(out / "router") == first

    server.fail(500, times=1000)
    assert build(source, out, "--frozen") == 0
    assert server.count == asked and files_of(out / "router") == first
    assert source.with_suffix(".lock").read_bytes() == lock


def test_an_interrupted_build_resumes_from_the_cache_to_the_same_bytes(
    project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    _, stub, write = project
    source = write()
    assert build(source, tmp_path / "whole") == 0
    whole = files_of(tmp_path / "whole" / "router")

    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "other-cache"))
    stub.seen.clear()  # the stub answers as it did for the whole build
    ask = simba.ask

    def lost(*args, **kwargs):
        raise LMError("openai/stub", "the connection was lost")

    monkeypatch.setattr(simba, "ask", lost)  # the first rule stops the build
    assert build(source, tmp_path / "out") == 3
    monkeypatch.setattr(simba, "ask", ask)
    assert build(source, tmp_path / "out") == 0  # what was answered comes from the cache
    assert files_of(tmp_path / "out" / "router") == whole


def test_the_dry_run_estimate_counts_the_calls_the_build_makes(project, tmp_path: Path, capsys):
    server, _, write = project
    source = write()
    capsys.readouterr()
    assert main(["build", str(source), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if "1. SIMBA" in line)
    estimate = int(re.search(r"at most ([\d,]+)", line).group(1).replace(",", ""))
    # Per step: 2 samples x 4 rows, 3 candidates x 4 rows, up to 3 rules; then 3 winners x 6 rows.
    assert estimate == 2 * (8 + 12 + 3) + 3 * 6
    assert server.count == 0

    assert build(source, tmp_path / "out") == 0
    (step,) = read_lock(source.with_suffix(".lock")).blocks[0].steps
    made = [c.label for c in step.candidates if c.label.endswith("(minibatch)")]
    rules = sum("a rule appended" in label for label in made)
    assert step.usage.answers == estimate - (len(made) - rules)  # a demo or a skipped rule asks nothing


def test_a_budget_stops_simba_and_the_build_goes_on(project, tmp_path: Path):
    _, _, write = project
    source = write(", max_lm_calls: 12")
    assert build(source, tmp_path / "out") == 0
    (step,) = read_lock(source.with_suffix(".lock")).blocks[0].steps
    assert step.stopped is not None and "budget of 12 LM call(s)" in step.stopped
    assert step.usage.answers == 12
    assert "Stopped early" in (tmp_path / "out" / "router" / "report.html").read_text(encoding="utf-8")
