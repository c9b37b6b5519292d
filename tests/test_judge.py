"""``judge`` metrics: the judge's prompt, where its inputs come from, its score, and ``lmc eval``/``build`` with one.

The unit tests give the session scripted LMs (``tests/scripted.py``); the CLI
tests go over HTTP to the loopback stub, where the judge's requests are told
apart from the program's by the judge signature's output marker.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmc.checks import run_checks
from lmc.cli.main import main
from lmc.host.frontend import load_file
from lmc.host.session import Session
from lmc.syntax.parse import parse
from tests.runtime.stub_server import StubServer
from tests.scripted import ScriptedLM, chat_answer

KEY_ENV = "LMC_JUDGE_TEST_KEY"

SOURCE = """\
{lms}
signature Answer {{
  \"\"\"Answer the question.\"\"\"
  in  question: str
  out answer: str
}}

signature {verdict} {{
  \"\"\"Is the answer right, given the gold answer?\"\"\"
  in  question: str
  in  answer: str
  in  gold: str
  out {output}
}}

program qa(question: str) -> (answer: str) {{
  module respond = Predict(Answer)
  return respond(question=question)
}}

metric judged = judge({verdict}{lm})
dataset dev = "dev.jsonl" {{ inputs: [question] }}

evaluate qa {{ metric: judged, dataset: dev }}
"""

ROWS = [
    {"question": "Capital of France?", "gold": "Paris", "answer": "Lyon"},
    {"question": "Capital of Italy?", "gold": "Rome", "answer": "Milan"},
]


def write(tmp_path: Path, *, output: str = "correct: bool", lm: str = "", lms: str = "") -> Path:
    path = tmp_path / "app.lmp"
    path.write_text(SOURCE.format(lms=lms, verdict="Verdict", output=output, lm=lm), encoding="utf-8")
    (tmp_path / "dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def judge_of(tmp_path: Path, judge_lm: ScriptedLM, **source: str):
    loaded = load_file(str(write(tmp_path, **source)))
    session = Session(loaded, _lms={"default": ScriptedLM([]), "teacher": judge_lm})
    return session.metric("judged")


def user_message(lm: ScriptedLM, call: int = 0) -> str:
    return lm.calls[call][-1]["content"]


def test_the_judge_prompt_holds_its_signature_and_every_input(tmp_path: Path) -> None:
    lm = ScriptedLM([chat_answer(correct="True")])
    metric = judge_of(tmp_path, lm, lm=", lm: teacher")
    assert metric(ROWS[0], {"answer": "Paris"}) == 1.0
    system, user = lm.calls[0][0]["content"], user_message(lm)
    assert "Is the answer right, given the gold answer?" in system
    assert "1. `question` (str)" in system and "1. `correct` (bool)" in system
    assert user.startswith("[[ ## question ## ]]\nCapital of France?\n\n[[ ## answer ## ]]\nParis\n\n")
    assert "[[ ## gold ## ]]\nParis" in user
    assert "[[ ## correct ## ]]" in user  # asked for, not given


def test_the_prediction_wins_over_the_example_and_the_example_fills_the_rest(tmp_path: Path) -> None:
    lm = ScriptedLM([chat_answer(correct="False")])
    metric = judge_of(tmp_path, lm, lm=", lm: teacher")
    assert metric(ROWS[1], {"answer": "Venice"}) == 0.0  # the row's own `answer` is Milan
    user = user_message(lm)
    assert "[[ ## answer ## ]]\nVenice\n" in user and "Milan" not in user
    assert "[[ ## gold ## ]]\nRome\n" in user


def test_the_default_lm_judges_without_an_lm_option(tmp_path: Path) -> None:
    default = ScriptedLM([chat_answer(correct="True")])
    loaded = load_file(str(write(tmp_path)))
    metric = Session(loaded, _lms={"default": default}).metric("judged")
    assert metric(ROWS[0], {"answer": "Paris"}) == 1.0
    assert len(default.calls) == 1


def test_a_float_output_is_the_score_as_is(tmp_path: Path) -> None:
    lm = ScriptedLM([chat_answer(score="0.25")])
    metric = judge_of(tmp_path, lm, output="score: float", lm=", lm: teacher")
    assert metric(ROWS[0], {"answer": "Paris, France"}) == 0.25


def test_an_unparsable_answer_scores_zero_after_every_adapter(tmp_path: Path) -> None:
    lm = ScriptedLM(lambda messages: "I would rather not say.")
    metric = judge_of(tmp_path, lm, lm=", lm: teacher")
    assert metric(ROWS[0], {"answer": "Paris"}) == 0.0
    assert len(lm.calls) == 2  # chat, then the JSON adapter


def test_the_generated_package_lists_every_signature(tmp_path: Path) -> None:
    session = Session(load_file(str(write(tmp_path))))
    signatures = session.generated.programs.SIGNATURES
    assert list(signatures) == ["Answer", "Verdict"]  # `Verdict` is used by no module
    assert [f.name for f in signatures["Verdict"].inputs] == ["question", "answer", "gold"]


def diagnostics(path: Path, extra: str = "") -> list[tuple[str, int, int, str]]:
    text = path.read_text(encoding="utf-8") + extra
    source, parsed = parse(text, str(path))
    assert source is not None and not parsed
    return [(d.code, d.span.line, d.span.col, d.message) for d in run_checks(source, path.parent, strict=True)]


def test_judge_inputs_from_outputs_or_data_check_clean(tmp_path: Path) -> None:
    assert diagnostics(write(tmp_path)) == []  # `answer` is an output (and a field), `gold` a field


def test_a_judge_input_nowhere_is_e514_once_per_dataset(tmp_path: Path) -> None:
    path = write(tmp_path)
    (tmp_path / "dev.jsonl").write_text('{"question": "Capital of France?"}\n', encoding="utf-8")
    optimize = "optimize qa { optimizer: LabeledFewShot, metric: judged, trainset: dev, valset: dev }\n"
    found = diagnostics(path, optimize)
    # The evaluate block's dataset, then the optimize block's trainset and valset.
    assert [(code, line) for code, line, _, _ in found] == [("E514", 24), ("E514", 25), ("E514", 25)]
    assert "needs input `gold`, which is neither an output of program `qa` nor a field of dataset `dev`" in found[0][3]


# ---------------------------------------------------------------- through the CLI


def answer(body: dict) -> str:
    """The program answers "Paris" to anything; the judge says whether the gold is Paris."""
    system = body["messages"][0]["content"]
    if "`correct` (bool)" not in system:
        return chat_answer(answer="Paris")
    user = body["messages"][-1]["content"]
    return chat_answer(correct=str("[[ ## gold ## ]]\nParis\n" in user))


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> tuple[Path, StubServer]:
    monkeypatch.setenv(KEY_ENV, "sk-judge-test")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=answer) as server:
        lm = f'"openai/stub" {{ api_base: "{server.api_base}", api_key_env: "{KEY_ENV}", temperature: 0.0 }}'
        lms = f"lm default = {lm}\nlm teacher = {lm}\n"
        yield write(tmp_path, lm=", lm: teacher", lms=lms), server


def test_eval_scores_with_the_judge(project: tuple[Path, StubServer], capsys) -> None:
    path, server = project
    assert main(["eval", str(path), "qa", "--dataset", "dev"]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "50.0"  # right on France, wrong on Italy
    assert server.count == 4  # two program calls, two judge calls


def test_build_counts_and_caches_the_judge_calls(project: tuple[Path, StubServer], tmp_path: Path) -> None:
    path, server = project
    assert main(["build", str(path), "-o", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "app" / "build.json").read_text())
    assert report["scores"][0]["baseline"] == 50.0
    assert report["lm_calls"] == 4  # two program answers and the `teacher` judge's two
    before = server.count
    assert main(["build", str(path), "-o", str(tmp_path / "again")]) == 0
    assert server.count == before  # every call, the judge's too, came from the cache
    assert "METRICS" not in (tmp_path / "out" / "app" / "app" / "programs.py").read_text()  # not shipped
