"""LM budgets (``max_lm_calls``, ``max_cost_usd``): counting, stopping cleanly, keeping the best so far."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from lmc.checks import run_checks
from lmc.cli.main import main
from lmc.host.evaluate import evaluate
from lmc.optimize import (
    BootstrapFewShot,
    BootstrapFewShotWithRandomSearch,
    LabeledFewShot,
    OptimizeResult,
    OptionError,
    Task,
    create_optimizer,
)
from lmc.optimize.core.base import Search, metered_task, run_optimizer
from lmc.optimize.core.budget import Budget, BudgetExhausted, Meter, split_budget
from lmc.runtime.lm.cache import Cache
from lmc.runtime.lm.client import LM, Usage
from lmc.schemas import blocks as schemas
from lmc.syntax.parse import parse
from tests.optimize.fakes import FakeLM, classify_program, correct_label, label_match, sentences
from tests.runtime.stub_server import StubServer
from tests.scripted import ScriptedLM
from tests.stub_project import stub_project
from tests.test_cli import KEY_ENV

TRAIN = sentences(10)
VAL = sentences(4, prefix="v")
HELLO = [{"role": "user", "content": "hello"}]


def always_right(request):
    return {"label": correct_label(request.inputs["sentence"])}


def always_wrong(request):
    return {"label": "WRONG"}


def task(lm, **kw) -> Task:
    return Task(program=classify_program(), trainset=TRAIN, valset=VAL, metric=label_match, lm=lm, **kw)


# ------------------------------------------------------------------ options


def test_every_optimizer_schema_takes_the_budget_options():
    for name, schema in schemas.OPTIMIZERS.items():
        assert schema.get("max_lm_calls") is not None and schema.get("max_cost_usd") is not None, name


def _check(tmp_path: Path, optimizer: str) -> list[str]:
    (tmp_path / "d.jsonl").write_text('{"q": "a", "a": "b"}\n' * 2, encoding="utf-8")
    text = (
        'signature QA = "q -> a"\nprogram p(q: str) -> (a: str) {\n  module m = Predict(QA)\n  return m(q=q)\n}\n'
        'metric em = exact_match(a)\ndataset d = "d.jsonl" { inputs: [q] }\n'
        f"optimize p {{ optimizer: {optimizer}, metric: em, trainset: d }}\n"
    )
    source, syntax = parse(text, "b.lmp")
    assert source is not None and not syntax
    return [f"{d.code}: {d.message}" for d in run_checks(source, tmp_path)]


@pytest.mark.parametrize(
    "optimizer",
    [
        'MIPROv2 { auto: "light", max_lm_calls: 400 }',
        "BootstrapFewShot { max_lm_calls: 10, max_cost_usd: 0.5 }",
        "[LabeledFewShot { k: 2, max_lm_calls: 1 }, COPRO { max_cost_usd: 2 }]",
    ],
)
def test_the_checker_accepts_budgets_in_any_optimizer_block(tmp_path: Path, optimizer: str):
    assert _check(tmp_path, optimizer) == []


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        ("BootstrapFewShot { max_lm_calls: 0 }", "max_lm_calls"),
        ("BootstrapFewShot { max_cost_usd: 0 }", "max_cost_usd"),
        ('LabeledFewShot { max_lm_calls: "many" }', "max_lm_calls"),
    ],
)
def test_the_checker_rejects_bad_budgets(tmp_path: Path, optimizer: str, expected: str):
    problems = _check(tmp_path, optimizer)
    assert len(problems) == 1 and problems[0].startswith("E4") and expected in problems[0]


def test_split_budget_takes_the_budget_out_and_create_optimizer_ignores_it():
    given = {"k": 3, "max_lm_calls": 40, "max_cost_usd": 1}
    budget, rest = split_budget("LabeledFewShot", given)
    assert budget == Budget(max_lm_calls=40, max_cost_usd=1.0) and rest == {"k": 3}
    assert create_optimizer("LabeledFewShot", given) == LabeledFewShot(k=3)
    with pytest.raises(OptionError, match="max_cost_usd`: must be more than 0"):
        split_budget("LabeledFewShot", {"max_cost_usd": 0})
    with pytest.raises(OptionError, match="max_lm_calls`: expected an integer"):
        split_budget("LabeledFewShot", {"max_lm_calls": 1.5})


# -------------------------------------------------------------------- meter


def test_a_call_budget_refuses_the_call_after_the_last_and_every_later_one():
    meter = Meter(Budget(max_lm_calls=3))
    lm = meter.wrap(ScriptedLM(lambda messages: "ok"))
    assert [lm.complete(HELLO) for _ in range(3)] == ["ok"] * 3
    with pytest.raises(BudgetExhausted, match="budget of 3 LM call"):
        lm.complete(HELLO)
    with pytest.raises(BudgetExhausted):
        lm.complete(HELLO)
    assert meter.spent().calls == 3 and meter.exhausted


def test_a_cost_budget_stops_once_the_spending_reaches_it():
    class Priced:
        """An LM whose every answer costs one cent."""

        def __init__(self) -> None:
            self.usage = Usage()

        def complete(self, messages):
            u = self.usage
            self.usage = Usage(calls=u.calls + 1, cost_usd=round(u.cost_usd + 0.01, 6))
            return "ok"

    inner = Priced()
    lm = Meter(Budget(max_cost_usd=0.025)).wrap(inner)
    for _ in range(3):  # 0, 1 and 2 cents spent before each: all under 2.5 cents
        lm.complete(HELLO)
    with pytest.raises(BudgetExhausted, match=r"\$0\.0250"):
        lm.complete(HELLO)
    assert inner.usage.calls == 3


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-budget-test")
    with StubServer(answer=lambda body: "answer to " + body["messages"][-1]["content"]) as stub:
        yield stub


def test_cached_answers_do_not_count(server: StubServer, tmp_path: Path):
    lm = LM("openai/stub", api_base=server.api_base, api_key_env=KEY_ENV, cache=Cache(tmp_path), backoff=0.01)
    meter = Meter(Budget(max_lm_calls=2))
    metered = meter.wrap(lm)
    a, b = [{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]
    metered.complete(a)
    metered.complete(a)  # from the cache
    metered.complete(a)  # from the cache
    metered.complete(b)
    assert server.count == 2
    spent = meter.spent()
    assert (spent.calls, spent.cache_hits, spent.prompt_tokens) == (2, 2, 22)
    # The cached answers still carry what they cost when made (the stub: 11 tokens in, 7 out), apart.
    assert (spent.cached_prompt_tokens, spent.cached_completion_tokens, spent.answers) == (22, 14, 4)
    with pytest.raises(BudgetExhausted):  # the budget is reached: even a cached answer is refused now
        metered.complete(a)


def test_the_recorded_cost_of_cached_answers_is_not_spent(server: StubServer, tmp_path: Path):
    """A cost budget counts only what this run pays: a cached answer that cost $1 when made is free now."""
    cache = Cache(tmp_path)
    lm = LM("openai/stub", api_base=server.api_base, api_key_env=KEY_ENV, cache=cache, backoff=0.01)
    prompts = [[{"role": "user", "content": f"q{i}"}] for i in range(3)]
    for messages in prompts:
        cache.put(Cache.key(lm.request(messages)), lm.model, "old answer", prompt_tokens=500, cost_usd=1.0)
    meter = Meter(Budget(max_cost_usd=0.5, max_lm_calls=1))
    metered = meter.wrap(lm)
    assert [metered.complete(m) for m in prompts * 2] == ["old answer"] * 6
    metered.complete([{"role": "user", "content": "new"}])  # the one call the budget allows
    spent = meter.spent()
    assert (spent.calls, spent.cost_usd, spent.prompt_tokens) == (1, 0.0, 11)
    assert (spent.cache_hits, spent.cached_cost_usd, spent.cached_prompt_tokens) == (6, 6.0, 3000)
    assert server.count == 1 and not meter.exhausted


def test_the_budget_crosses_the_evaluator_instead_of_scoring_zero():
    """A run cut short by the budget is never an example's failure, with threads or without."""
    for threads in (1, 3):
        program = classify_program()
        lm = Meter(Budget(max_lm_calls=2)).wrap(FakeLM(always_right))
        with pytest.raises(BudgetExhausted):
            evaluate(program, VAL, label_match, lm=lm, params=program.default_params(), threads=threads)


def test_metered_task_meters_the_teacher_and_named_lms():
    meter = Meter(Budget(max_lm_calls=2))
    teacher, named = ScriptedLM(lambda m: "t"), ScriptedLM(lambda m: "n")
    t = metered_task(task(ScriptedLM(lambda m: "s"), teacher_lm=teacher, lm_named=lambda name: named), meter)
    t.teacher_lm.complete(HELLO)
    t.named_lm("strong").complete(HELLO)
    with pytest.raises(BudgetExhausted):
        t.lm.complete(HELLO)
    assert len(teacher.calls) == len(named.calls) == 1


# --------------------------------------------------------------- optimizers


def compile_with(optimizer, lm, budget: Budget, **kw) -> tuple[OptimizeResult, Meter]:
    meter = Meter(budget)
    return run_optimizer(optimizer, metered_task(task(lm, **kw), meter)), meter


def test_random_search_stops_cleanly_and_keeps_the_best_scored_so_far():
    lm = FakeLM(always_right)
    # zero-shot and labeled take 4 valset calls each; the bootstrap then runs out.
    optimizer = BootstrapFewShotWithRandomSearch(max_bootstrapped_demos=2, max_labeled_demos=2)
    result, meter = compile_with(optimizer, lm, Budget(max_lm_calls=10))
    assert [c.label for c in result.candidates] == ["zero-shot", "labeled"]
    assert result.stopped is not None and "budget of 10 LM call(s)" in result.stopped
    assert len(lm.requests) == 10 == meter.spent().calls
    assert result.score == 100.0 and result.candidates[0].score == 100.0
    # The first of the best is kept: zero-shot, without demos.
    assert result.params["classify.judge"].demos == ()


def test_random_search_without_any_scored_candidate_keeps_its_starting_parameters():
    start = {"classify.judge": classify_program().default_params()["classify.judge"]}
    result, _ = compile_with(BootstrapFewShotWithRandomSearch(), FakeLM(always_right), Budget(max_lm_calls=2))
    assert result.candidates == () and result.score is None and result.params == start
    assert result.stopped


def test_bootstrap_keeps_the_demos_found_before_the_budget_ran_out():
    lm = FakeLM(always_right)
    optimizer = BootstrapFewShot(max_bootstrapped_demos=4, max_labeled_demos=6)
    result, _ = compile_with(optimizer, lm, Budget(max_lm_calls=2))
    origins = result.origins["classify.judge"]
    assert [o.kind for o in origins] == ["bootstrapped"] * 2 + ["labeled"] * 4
    assert [o.index for o in origins[:2]] == [0, 1]
    assert result.stopped and len(lm.requests) == 2


def test_labeled_few_shot_makes_no_call_so_no_budget_stops_it():
    lm = FakeLM(always_right)
    result, meter = compile_with(LabeledFewShot(k=3), lm, Budget(max_lm_calls=1))
    assert result.stopped is None and len(result.params["classify.judge"].demos) == 3
    assert meter.spent().calls == 0


def test_an_optimizer_without_a_budget_hook_still_stops_cleanly():
    @dataclass(frozen=True)
    class Greedy:
        name: ClassVar[str] = "Greedy"

        def compile(self, task: Task) -> OptimizeResult:
            while True:
                task.lm.complete(HELLO)

    result, meter = compile_with(Greedy(), ScriptedLM(lambda m: "x"), Budget(max_lm_calls=5))
    assert result.params == task(None).start_params() and result.stopped
    assert meter.spent().calls == 5


def test_search_records_candidates_and_keeps_the_first_best():
    seen = []
    search = Search(task(None, on_candidate=lambda label, score: seen.append((label, score))), "S")
    params = task(None).start_params()
    with search.until_budget():
        search.record("a", 50.0, params, {})
        search.record("b", 70.0, params, {})
        search.record("c", 70.0, params, {})
        raise BudgetExhausted(Budget(max_lm_calls=1), Meter().spent())
    result = search.result(lm_calls=7)
    assert seen == [("a", 50.0), ("b", 70.0), ("c", 70.0)]
    assert result.score == 70.0 and search.best_score == 70.0 and result.lm_calls == 7
    assert result.stopped and "budget of 1 LM call(s)" in result.stopped


# --------------------------------------------------------------------- build


def test_a_build_with_a_budget_stops_the_search_and_records_why(tmp_path: Path, monkeypatch):
    edit = ("num_candidate_programs: 2 }", "num_candidate_programs: 2, max_lm_calls: 6 }")
    with stub_project(tmp_path, monkeypatch, replace=[edit]) as (_, project):
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--threads", "1"]) == 0
    lock = json.loads((tmp_path / "app.lock").read_text())
    (step,) = lock["blocks"][0]["steps"]
    assert lock["blocks"][0]["plan"]["chain"][0]["budget"] == {"max_lm_calls": 6}
    assert "budget of 6 LM call(s)" in step["stopped"]
    # zero-shot is answered from the cache (the baseline asked the same); labeled uses the 4 calls left.
    assert [c[0] for c in step["candidates"]] == ["zero-shot", "labeled"]
    assert "Stopped early" in (tmp_path / "out" / "app" / "report.html").read_text()
