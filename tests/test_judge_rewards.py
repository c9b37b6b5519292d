"""``judge`` metrics as the reward of ``BestOfN`` and ``Refine``: checked, shipped in the package, run on its LM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmc.building.callcount import RunCalls, run_calls
from lmc.cli.main import main
from lmc.codegen import record_parity
from lmc.host.loader import load_package
from lmc.runtime.lm.rollout import current_rollout
from lmc.runtime.replay import ReplayLM
from lmc.syntax.parse import parse
from tests.codegen.helpers import render_text, text_files
from tests.package_tests import run_package_tests
from tests.runtime.stub_server import StubServer
from tests.scripted import ScriptedLM, chat_answer
from tests.test_checks import diagnose

SOURCE = '''
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

metric judged = judge(Good)

program best(question: str) -> (answer: str) {
  module pick = BestOfN(Answer, n: 3, reward: judged, threshold: 1.0)
  return pick(question=question)
}

program refined(question: str) -> (answer: str) {
  module polish = Refine(Answer, n: 2, reward: judged, threshold: 1.0)
  return polish(question=question)
}
'''

ATTEMPTS = {0: "It is Tesk", 1: "Tesk", 2: "Tesk again"}


def respond(messages: list[dict]) -> str:
    """The judge likes exactly "Tesk"; attempts answer by rollout; Refine's feedback asks for one word."""
    system, user = messages[0]["content"], messages[-1]["content"]
    if "`good` (bool)" in system:
        return chat_answer(good=str("[[ ## answer ## ]]\nTesk\n" in user))
    if "`discussion`" in system:
        return chat_answer(discussion="Wordy.", advice='{"refined.polish": "One word."}')
    return chat_answer(answer=ATTEMPTS[current_rollout()])


def is_judge(messages: list[dict]) -> bool:
    return "`good` (bool)" in messages[0]["content"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory):
    return render_text(SOURCE, tmp_path_factory.mktemp("rewards"), package="rewards")


@pytest.fixture(scope="module")
def package(files):
    return load_package(files, package="rewards")


def test_the_judge_is_shipped_without_an_lm(files) -> None:
    programs = text_files(files)["rewards/programs.py"]
    assert "from ._runtime.judge import Judge" in programs
    assert 'METRICS = {\n    "judged": Judge("judged", GOOD),\n}' in programs


def test_best_of_n_asks_the_judge_on_the_programs_lm(package) -> None:
    lm = ScriptedLM(respond)
    assert package.best(question="Capital of Varno?", lm=lm).answer == "Tesk"
    # attempt 0, its judging, attempt 1, its judging: the threshold is reached.
    assert [is_judge(m) for m in lm.calls] == [False, True, False, True]
    judged = lm.calls[1]
    assert "Is the answer the capital, in one word?" in judged[0]["content"]
    assert judged[-1]["content"].startswith("[[ ## question ## ]]\nCapital of Varno?\n\n[[ ## answer ## ]]\nIt is Tesk")


def test_the_judge_is_not_in_the_programs_trace(package) -> None:
    run = package.programs.PROGRAMS["best"].run({"question": "Capital of Varno?"}, lm=ScriptedLM(respond), params={})
    assert [entry.path for entry in run.trace] == ["best.pick"]
    assert run.trace[0].outputs == {"answer": "Tesk"}


def test_refine_shows_the_judge_to_its_feedback(package) -> None:
    lm = ScriptedLM(respond)
    assert package.refined(question="q", lm=lm).answer == "Tesk"
    feedback = next(m for m in lm.calls if "`discussion`" in m[0]["content"])[-1]["content"]
    assert "An LM judges (Good: question, answer -> good), with these instructions:" in feedback
    assert "Is the answer the capital, in one word?" in feedback


@pytest.mark.parametrize("program", ["best", "refined"])
def test_recorded_prompts_with_the_judges_replay_byte_for_byte(package, program: str) -> None:
    case = record_parity(getattr(package, program), {"question": "Capital of Varno?"}, lm=ScriptedLM(respond))
    calls = case.to_json()["calls"]
    assert any("`good` (bool)" in call["messages"][0]["content"] for call in calls)
    replay = ReplayLM(calls)
    getattr(package, program).invoke({"question": "Capital of Varno?"}, lm=replay)
    replay.assert_done()


def test_each_attempt_counts_its_judging() -> None:
    source, _ = parse(SOURCE, "rewards.lmp")
    assert run_calls(source, "best") == RunCalls(6, upper_bound=True)  # 3 attempts, 3 judgings
    assert run_calls(source, "refined") == RunCalls(5, upper_bound=True)  # 2 attempts, 1 feedback, 2 judgings


# ---------------------------------------------------------------- checks


def reward_errors(tmp_path: Path, judge: str, signature_inputs: str = "in question: str\n  in answer: str") -> list:
    text = SOURCE.replace(
        "metric judged = judge(Good)", f'lm default = "openai/x"\nlm teacher = "openai/y"\nmetric judged = {judge}'
    )
    text = text.replace("in  question: str\n  in  answer: str\n  out good", f"{signature_inputs}\n  out good")
    return [(d.code, d.span.line, d.message, d.help) for d in diagnose(tmp_path, text)]


def test_a_judge_of_the_modules_fields_on_the_default_lm_is_a_reward(tmp_path: Path) -> None:
    assert reward_errors(tmp_path, "judge(Good)") == []
    assert reward_errors(tmp_path, "judge(Good, lm: default)") == []


def test_a_judge_needing_a_gold_answer_is_e512(tmp_path: Path) -> None:
    found = reward_errors(tmp_path, "judge(Good)", "in answer: str\n  in gold: str")
    assert [(code, line) for code, line, _, _ in found] == [("E512", 20), ("E512", 25)]
    message, help_ = found[0][2:]
    assert message == (
        "judge metric `judged` cannot be the reward of module `pick`: its input `gold` is neither an input "
        "nor an output of signature `Answer`, and a reward sees only those"
    )
    assert help_ == "rename `gold` to one of `question`, `answer`, or use a `python` reward"


def test_a_judge_on_another_lm_is_e512(tmp_path: Path) -> None:
    found = reward_errors(tmp_path, "judge(Good, lm: teacher)")
    assert [code for code, *_ in found] == ["E512", "E512"]
    assert found[0][2] == (
        "judge metric `judged` cannot be the reward of module `pick`: it asks lm `teacher`, "
        "and a package has only the program's lm to run it with"
    )
    assert "leave out `lm:`" in found[0][3]


def test_a_field_metric_is_still_e512(tmp_path: Path) -> None:
    found = reward_errors(tmp_path, "exact_match(answer)")
    assert [code for code, *_ in found] == ["E512", "E512"]
    assert "`exact_match` compares with a gold answer" in found[0][2]


# ---------------------------------------------------------------- through the CLI

KEY_ENV = "LMC_JUDGE_REWARD_KEY"
PROJECT = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0 }}
{source}
metric right = exact_match(answer)
dataset dev = "dev.jsonl" {{ inputs: [question] }}

optimize best {{ optimizer: LabeledFewShot {{ k: 1 }}, metric: right, trainset: dev }}
"""


def stub_answer(body: dict) -> str:
    system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
    if "`good` (bool)" in system:
        return chat_answer(good=str("[[ ## answer ## ]]\nTesk\n" in user))
    return chat_answer(answer="Tesk")


def test_run_and_build_with_a_judge_reward(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-judge-reward")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=stub_answer) as server:
        path = tmp_path / "app.lmp"
        path.write_text(PROJECT.format(api_base=server.api_base, key_env=KEY_ENV, source=SOURCE), encoding="utf-8")
        rows = [{"question": "Capital of Varno?", "answer": "Tesk"}, {"question": "Capital of Orr?", "answer": "Tesk"}]
        (tmp_path / "dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        assert main(["run", str(path), "best", "--input", "question=Capital of Varno?"]) == 0
        assert json.loads(capsys.readouterr().out) == {"answer": "Tesk"}
        assert server.count == 2  # the first attempt, and the judge that passed it
        assert main(["build", str(path), "-o", str(tmp_path / "out")]) == 0
    package = tmp_path / "out" / "app"
    parity = json.loads((package / "app" / "tests" / "parity.json").read_text())
    assert any("`good` (bool)" in call["messages"][0]["content"] for case in parity for call in case["calls"])
    # The package's own parity test replays the program's and the judge's calls, without lmc.
    test = run_package_tests(package, "app")
    assert test.returncode == 0, test.stdout + test.stderr
