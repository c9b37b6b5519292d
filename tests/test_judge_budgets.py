"""A ``judge`` metric's LM calls count: against optimizer budgets, in ``--dry-run`` and in the build's totals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmc.cli.main import main
from lmc.optimize import BootstrapFewShotWithRandomSearch, Task
from lmc.optimize.core.base import CallCounter, metered_task, run_optimizer
from lmc.optimize.core.budget import Budget, Meter, metered_metric
from lmc.runtime.judge import Judge
from lmc.runtime.lm.cache import Cache
from lmc.runtime.lm.client import LM
from lmc.runtime.signature import Field, Signature
from tests.optimize.fakes import FakeLM, classify_program, correct_label, sentences
from tests.runtime.stub_server import StubServer
from tests.scripted import ScriptedLM, chat_answer
from tests.test_judge import KEY_ENV, answer, write

VERDICT = Signature(
    name="Verdict",
    instructions="Is the label right?",
    inputs=(Field("sentence"), Field("label")),
    outputs=(Field("correct", bool),),
)


def judge(lm) -> Judge:
    return Judge("judged", VERDICT, lm)


def always_right(request):
    return {"label": correct_label(request.inputs["sentence"])}


def test_a_budget_counts_the_judge_calls_and_stops_the_search_at_it():
    program_lm, judge_lm = FakeLM(always_right), ScriptedLM(lambda m: chat_answer(correct="True"))
    task = Task(
        program=classify_program(),
        trainset=sentences(6),
        valset=sentences(4, prefix="v"),
        metric=judge(judge_lm),
        lm=program_lm,
    )
    meter = Meter(Budget(max_lm_calls=10))
    result = run_optimizer(BootstrapFewShotWithRandomSearch(max_bootstrapped_demos=2), metered_task(task, meter))
    # zero-shot: 4 runs, each scored by the judge (8 calls); labeled gets one run and its judging.
    assert len(program_lm.requests) + len(judge_lm.calls) == 10 == meter.spent().calls
    assert (len(program_lm.requests), len(judge_lm.calls)) == (5, 5)
    assert [c.label for c in result.candidates] == ["zero-shot"] and result.score == 100.0
    assert result.stopped is not None and "budget of 10 LM call(s)" in result.stopped


def test_other_metrics_are_not_wrapped():
    def metric(example, outputs):
        return True

    assert metered_metric(metric, Meter()) is metric


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-judge-budget")
    with StubServer(answer=lambda body: chat_answer(correct="True")) as stub:
        yield stub


def test_wrappers_of_one_lm_are_counted_once(server: StubServer, tmp_path: Path):
    """A judge on the program's own LM: the meter reads that LM's counters once, however it is wrapped."""
    lm = LM("openai/stub", api_base=server.api_base, api_key_env=KEY_ENV, cache=Cache(tmp_path), backoff=0.01)
    task_meter, trial_meter = Meter(), Meter()
    student = CallCounter().wrap(task_meter.wrap(lm))
    judged = metered_metric(metered_metric(judge(lm), task_meter), trial_meter)
    program = trial_meter.wrap(student)
    program.complete([{"role": "user", "content": "a"}])
    assert judged({"sentence": "s", "label": "x"}, {}) == 1.0
    assert server.count == 2
    assert trial_meter.spent().calls == 2 == task_meter.spent().calls


# ---------------------------------------------------------------- through the CLI

OPTIMIZE = "optimize qa {{ optimizer: {optimizer}, metric: judged, trainset: dev, valset: dev, seed: 0 }}\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> tuple[Path, StubServer]:
    monkeypatch.setenv(KEY_ENV, "sk-judge-test")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=answer) as server:
        lm = f'"openai/stub" {{ api_base: "{server.api_base}", api_key_env: "{KEY_ENV}", temperature: 0.0 }}'
        # The judge on an lm of its own: the program's LM does not see its calls.
        yield write(tmp_path, lm=", lm: teacher", lms=f"lm default = {lm}\nlm teacher = {lm}\n"), server


def add_block(path: Path, optimizer: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + OPTIMIZE.format(optimizer=optimizer), encoding="utf-8")


def test_the_dry_run_estimate_is_the_requests_a_judged_build_makes(project, tmp_path: Path, capsys):
    path, server = project
    add_block(path, "BootstrapFewShot { max_bootstrapped_demos: 4 }")  # every row tried: an exact count
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "one run of qa makes 1 LM call, and scoring it with the judge `judged` 1 LM call more" in text
    total = text.splitlines()[-1].split()
    # baseline 2 x 2, bootstrap 2 x 2, final 2 x 2, evaluate 2 x 2 x 2, parity 2 (not scored).
    assert total == ["total", "22"]
    assert server.count == 0
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--no-cache", "--threads", "1"]) == 0
    assert server.count == 22


def test_a_judged_build_stops_at_the_budget_and_its_files_count_the_judge(project, tmp_path: Path):
    path, server = project
    add_block(path, "BootstrapFewShotWithRandomSearch { num_candidate_programs: 1, max_lm_calls: 6 }")
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--no-cache", "--threads", "1"]) == 0
    lock = json.loads((tmp_path / "app.lock").read_text())
    (step,) = lock["blocks"][0]["steps"]
    assert "budget of 6 LM call(s)" in step["stopped"]
    # zero-shot: the baseline's score, no call; labeled: 2 runs and 2 judgings; the bootstrapped
    # candidate's first calls end the budget.
    assert step["usage"]["answers"] == 6
    assert [c[0] for c in step["candidates"]] == ["zero-shot", "labeled"]
    report = json.loads((tmp_path / "out" / "app" / "build.json").read_text())
    assert report["lm_calls"] == server.count == lock["usage"]["answers"]
