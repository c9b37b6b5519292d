"""The package's own parity test replays recorded LM calls, and catches a changed prompt."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lmc.codegen import ParityCase, record_parity, render_package, write_package
from lmc.host.loader import load_package
from lmc.runtime.replay import ReplayLM
from lmc.runtime.signature import Params
from tests.codegen.helpers import parse_ok
from tests.package_tests import run_package_tests
from tests.scripted import ScriptedLM, chat_answer

SOURCE = '''
enum Sentiment { positive, negative }

signature Classify {
  """Classify the sentiment of a sentence."""
  in  sentence: str
  out sentiment: Sentiment
}

program classify(sentence: str) -> (sentiment: Sentiment) {
  module judge = ChainOfThought(Classify)
  return judge(sentence=sentence)
}
'''
DEMO_TEXT = "a demo sentence with 'quotes' and \"more\""
PARAMS = {
    "classify.judge": Params(
        instructions="Decide: positive or negative.",
        demos=({"sentence": DEMO_TEXT, "reasoning": "it says so", "sentiment": "positive"},),
    )
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parity")
    source = parse_ok(SOURCE, folder)
    kwargs = {"package": "sentimental", "source_dir": folder, "source_text": SOURCE, "params": PARAMS}
    loaded = load_package(render_package(source, **kwargs), package="sentimental")
    lm = ScriptedLM(lambda messages: chat_answer(reasoning="because", sentiment="negative"))
    cases = [record_parity(loaded.classify, {"sentence": s}, lm=lm) for s in ("awful", "dull plot")]
    out = folder / "build" / "sentimental"
    write_package(render_package(source, parity=cases, **kwargs), out)
    return out


def _pytest(package_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_package_tests(package_dir, "sentimental", timeout=120)


def test_recorded_cases_are_in_the_package(built: Path) -> None:
    cases = json.loads((built / "sentimental" / "tests" / "parity.json").read_text(encoding="utf-8"))
    assert [c["inputs"] for c in cases] == [{"sentence": "awful"}, {"sentence": "dull plot"}]
    messages = cases[0]["calls"][0]["messages"]
    assert "Decide: positive or negative." in messages[0]["content"]
    assert DEMO_TEXT in messages[1]["content"]
    assert cases[0]["calls"][0]["response"].startswith("[[ ## reasoning ## ]]")


def test_parity_test_passes_on_the_built_package(built: Path) -> None:
    done = _pytest(built)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout  # two cases, sync and async


def test_parity_test_fails_when_a_demo_changes(built: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "sentimental"
    subprocess.run(["cp", "-r", str(built), str(tampered)], check=True)
    params = tampered / "sentimental" / "params.py"
    text = params.read_text(encoding="utf-8")
    assert "a demo sentence" in text
    params.write_text(text.replace("a demo sentence", "a demo sentense"), encoding="utf-8")
    done = _pytest(tampered)
    assert done.returncode != 0
    assert "differs from the recorded one" in done.stdout
    assert "sentense" in done.stdout


def test_replay_lm_checks_count_and_content() -> None:
    calls = [{"messages": [{"role": "user", "content": "hi"}], "response": "there"}]
    lm = ReplayLM(calls)
    with pytest.raises(AssertionError, match="made 0 LM call"):
        ReplayLM(calls).assert_done()
    with pytest.raises(AssertionError, match="differs"):
        ReplayLM(calls).complete([{"role": "user", "content": "hi!"}])
    assert lm.complete([{"role": "user", "content": "hi"}]) == "there"
    lm.assert_done()
    with pytest.raises(AssertionError, match="not recorded"):
        lm.complete([{"role": "user", "content": "hi"}])


def test_parity_case_json_shape() -> None:
    case = ParityCase(program="p", inputs={"a": 1}, calls=(([{"role": "user", "content": "x"}], "y"),))
    assert case.to_json() == {
        "program": "p",
        "inputs": {"a": 1},
        "calls": [{"messages": [{"role": "user", "content": "x"}], "response": "y"}],
    }


def test_a_package_without_recorded_runs_says_its_parity_test_is_skipped(tmp_path: Path) -> None:
    source = parse_ok(SOURCE, tmp_path)
    out = tmp_path / "build" / "sentimental"
    write_package(render_package(source, package="sentimental", source_dir=tmp_path, source_text=SOURCE), out)
    assert json.loads((out / "sentimental" / "tests" / "parity.json").read_text(encoding="utf-8")) == []
    done = run_package_tests(out, "sentimental", timeout=120, args=("-rs",))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout and "passed" not in done.stdout
    assert "parity.json is empty" in done.stdout
