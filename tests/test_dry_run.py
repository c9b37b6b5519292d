"""``lmc build --dry-run``: static LM calls per run, optimizer estimates, and no LM call at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmc.building.callcount import RunCalls, run_calls
from lmc.cli.main import main
from lmc.optimize import BootstrapFewShot, BootstrapFewShotWithRandomSearch, LabeledFewShot, Task
from lmc.optimize.core.base import TaskSizes
from lmc.syntax.parse import parse
from tests.optimize.fakes import FakeLM, classify_program, label_match, sentences
from tests.stub_project import stub_project


@pytest.fixture
def stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        yield server, project


SIGNATURES = """
signature A = "x -> y"
signature B = "x, y -> z"
"""


def calls_of(body: str, extra: str = "") -> RunCalls:
    text = SIGNATURES + extra + f"program p(x: str, xs: list[str], n: int) -> (z: str) {{\n{body}\n}}\n"
    source, diagnostics = parse(text, "t.lmp")
    assert source is not None and not diagnostics, diagnostics
    return run_calls(source, "p")


def test_straight_line_code_is_exact():
    body = "  module a = Predict(A)\n  module b = ChainOfThought(B)\n  y = a(x=x).y\n  return b(x=x, y=y)"
    assert calls_of(body) == RunCalls(2)
    assert calls_of(body).describe() == "2 LM calls"


def test_a_two_step_adapter_an_optimizer_may_choose_is_counted_as_a_bound():
    body = "  module a = Predict(A)\n  module b = Predict(B, adapter: json)\n  y = a(x=x).y\n  return b(x=x, y=y)"
    text = SIGNATURES + f"program p(x: str, xs: list[str], n: int) -> (z: str) {{\n{body}\n}}\n"
    source, diagnostics = parse(text, "t.lmp")
    assert source is not None and not diagnostics, diagnostics
    assert run_calls(source, "p") == RunCalls(2)
    assert run_calls(source, "p", frozenset({"chat", "xml"})) == RunCalls(2)
    # `a` may get two_step (two requests); `b`'s adapter is fixed by the file.
    assert run_calls(source, "p", frozenset({"chat", "two_step"})) == RunCalls(3, upper_bound=True)


def test_repeat_and_literal_lists_multiply():
    body = (
        "  module a = Predict(A)\n  y = x\n  repeat 3 {\n    y = a(x=y).y\n  }\n"
        '  for w in ["a", "b"] {\n    y = a(x=w).y\n  }\n  return { z: y }'
    )
    assert calls_of(body) == RunCalls(5)


def test_branches_take_the_dearer_side_and_say_it_is_a_bound():
    body = (
        "  module a = Predict(A)\n  module b = Predict(B)\n  y = x\n"
        '  if x == "go" {\n    y = a(x=x).y\n    y = a(x=y).y\n  } else {\n    y = a(x=x).y\n  }\n'
        "  return b(x=x, y=y)"
    )
    result = calls_of(body)
    assert (result.calls, result.upper_bound) == (3, True)
    assert result.describe() == "at most 3 LM calls"


def test_loops_of_unknown_length_are_counted_once_and_flagged():
    body = "  module a = Predict(A)\n  y = x\n  for w in xs {\n    y = a(x=w).y\n  }\n  return { z: y }"
    result = calls_of(body)
    assert result.calls == 1 and result.unknown_loops == ("for w at line 7",)
    assert result.describe().startswith("about 1 LM call (loops of unknown length")


def test_calls_of_other_programs_and_module_kinds_add_up():
    helper = "program h(x: str) -> (y: str) {\n  module a = Predict(A)\n  return a(x=x)\n}\n"
    body = "  module b = BestOfN(B, n: 3, reward: r)\n  y = h(x=x).y\n  return b(x=x, y=y)"
    metric = "metric r = exact_match(z)\n"
    result = calls_of(body, helper + metric)
    assert (result.calls, result.upper_bound) == (4, True)


def test_a_call_counts_in_any_expression():
    body = (
        "  module a = Predict(A)\n"
        "  y = f(k=a(x=x).y)\n"  # a keyword argument's value
        "  y = f([a(x=x).y, a(x=y).y])\n"  # a list's items
        '  if not a(x=x).y == "no" {\n    y = x\n  }\n'  # a negated comparison
        "  return { z: a(x=y).y }"  # a record's field
    )
    assert calls_of(body) == RunCalls(5)


def test_the_samples_are_counted():
    root = Path(__file__).resolve().parents[1] / "samples"
    multihop = root / "multihop" / "multihop.lmp"
    source, _ = parse(multihop.read_text(encoding="utf-8"), str(multihop))
    assert run_calls(source, "multihop") == RunCalls(3)  # two hops in `repeat 2`, then the answer


# ---------------------------------------------------------------- optimizers

TRAIN, VAL = sentences(6), sentences(4, prefix="v")
SIZES = TaskSizes(trainset=len(TRAIN), valset=len(VAL), run_calls=1)


def wrong(request):
    return {"label": "WRONG"}


def requests_made(optimizer) -> int:
    """Requests ``optimizer`` makes when every answer fails the metric (its worst case)."""
    lm = FakeLM(wrong)
    optimizer.compile(Task(program=classify_program(), trainset=TRAIN, valset=VAL, metric=label_match, lm=lm))
    return len(lm.requests)


@pytest.mark.parametrize(
    "optimizer",
    [
        LabeledFewShot(k=3),
        BootstrapFewShot(max_bootstrapped_demos=2, max_rounds=1),
        BootstrapFewShot(max_bootstrapped_demos=0),
        BootstrapFewShotWithRandomSearch(max_bootstrapped_demos=2, num_candidate_programs=3),
        BootstrapFewShotWithRandomSearch(max_bootstrapped_demos=0, num_candidate_programs=2),
    ],
)
def test_estimates_match_the_requests_made_in_the_worst_case(optimizer):
    assert optimizer.estimate_calls(SIZES).calls == requests_made(optimizer)


def test_estimates_say_when_they_are_bounds():
    assert not LabeledFewShot().estimate_calls(SIZES).upper_bound
    assert BootstrapFewShot(max_bootstrapped_demos=2).estimate_calls(SIZES).upper_bound
    assert not BootstrapFewShot(max_bootstrapped_demos=10).estimate_calls(SIZES).upper_bound  # every row is tried
    assert not BootstrapFewShot(max_bootstrapped_demos=0).estimate_calls(SIZES).upper_bound
    zero = BootstrapFewShotWithRandomSearch(max_bootstrapped_demos=0, num_candidate_programs=2)
    assert not zero.estimate_calls(SIZES).upper_bound
    stopping = BootstrapFewShotWithRandomSearch(max_bootstrapped_demos=0, stop_at_score=90)
    assert stopping.estimate_calls(SIZES).upper_bound
    # Calls per run multiply everything.
    three = TaskSizes(trainset=6, valset=4, run_calls=3)
    assert BootstrapFewShot().estimate_calls(three).calls == 3 * BootstrapFewShot().estimate_calls(SIZES).calls


# ----------------------------------------------------------------------- CLI


def test_dry_run_prints_the_estimate_and_calls_no_lm(stub, tmp_path: Path, capsys):
    server, project = stub
    source = project.read_text(encoding="utf-8").replace(
        "num_candidate_programs: 2 }", "num_candidate_programs: 2, max_lm_calls: 20 }"
    )
    project.write_text(source, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(project), "-o", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert server.count == 0 and not out.exists()
    assert "one run of classify makes 1 LM call" in text
    # 4 train rows, 4 dev rows, 2 candidates: (2 + 1) bootstraps of 4 runs and (2 + 3) scorings of 4 = 32, capped.
    step = next(line for line in text.splitlines() if "1. BootstrapFewShotWithRandomSearch" in line)
    assert "at most 20" in step and "capped by max_lm_calls" in step
    assert "baseline score on dev" in text and "evaluate classify on dev (accuracy)" in text
    # The search's clean score of its winner may stand for the final score (the cache is on by default).
    final = next(line for line in text.splitlines() if "final score on dev" in line)
    assert "at most 4" in final and "none when the search scored the chosen program cleanly" in final
    # baseline 4, search at most 20, final at most 4, evaluate 2 x 4, parity 3.
    assert text.splitlines()[-1].split()[-3:] == ["at", "most", "39"]


def test_dry_run_of_a_file_with_bad_data_stops_at_its_diagnostics(stub, tmp_path: Path, capsys):
    _, project = stub
    train = project.parent / "train.jsonl"
    train.write_text(train.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    assert main(["build", str(project), "-o", str(tmp_path / "out"), "--dry-run"]) == 1
    captured = capsys.readouterr()
    assert "error[E503]" in captured.err and captured.out == ""


def test_dry_run_and_frozen_exclude_each_other(stub):
    _, project = stub
    with pytest.raises(SystemExit) as exc:
        main(["build", str(project), "--dry-run", "--frozen"])
    assert exc.value.code == 64  # a wrong command line


def test_a_dry_run_without_optimizing_makes_no_request(stub, capsys):
    _, project = stub
    assert main(["build", str(project), "--dry-run", "--no-optimize"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].split() == ["total", "0"]


def test_optimizers_are_sized_by_predictors_not_modules():
    """COPRO's and GEPA's estimates grow with the predictors whose instructions they rewrite:
    ReAct and MultiChainComparison have two each (``agent`` and ``agent.extract``)."""
    from lmc.building.dry_run import _predictors
    from lmc.ir import nodes as ir

    text = (
        SIGNATURES
        + 'tool echo(x: str) -> str = python "tools:echo"\n'
        + "program p(x: str) -> (z: str) {\n  module a = Predict(A)\n  module r = ReAct(A, tools: [echo])\n"
        + "  module m = MultiChainComparison(B)\n  y = a(x=x).y\n  y = r(x=y).y\n  return m(x=x, y=y)\n}\n"
    )
    source, diagnostics = parse(text, "t.lmp")
    assert source is not None and not diagnostics, diagnostics
    (program,) = source.of(ir.ProgramDecl)
    assert _predictors(program) == 5
