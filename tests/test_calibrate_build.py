"""`lmc build` with Calibrate over HTTP: log-probabilities asked, biases baked in, parity replayed."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lmc.cli.main import main
from tests.package_tests import run_package_tests
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer
from tests.test_cli import KEY_ENV, SOURCE, sentence_of
from tests.test_lock import files_of

CHAIN = "optimizer: [LabeledFewShot { k: 2 }, Calibrate {}]"
OPTIMIZER = (
    "optimizer: BootstrapFewShotWithRandomSearch "
    "{ max_bootstrapped_demos: 2, max_labeled_demos: 2, num_candidate_programs: 2 }"
)


TRAIN = [
    ("A delight from start to finish.", "positive"),
    ("Dull, long and pointless.", "negative"),
    ("The cast is wonderful.", "positive"),
    ("I walked out halfway.", "negative"),
    ("A triumph of craft.", "positive"),
    ("Two hours I will not get back.", "negative"),
    ("I smiled all the way home.", "positive"),
    ("The plot makes no sense.", "negative"),
]
DEV = [
    ("Warm, funny and wise.", "positive"),
    ("A tedious mess.", "negative"),
    ("Gorgeous to look at.", "positive"),
    ("Flat and lifeless.", "negative"),
]
LABELS = dict(TRAIN + DEV)


def always_positive(body: dict) -> str:
    """A model that follows the format and always writes `positive`."""
    return chat_answer(sentiment="positive")


def margins(body: dict) -> list[dict]:
    """...but whose log-probability of `negative` is higher for the negative sentences."""
    negative = LABELS.get(sentence_of(body)) == "negative"
    head, tail = "[[ ## sentiment ## ]]\n", "\n\n[[ ## completed ## ]]"
    top = [{"token": "positive", "logprob": -0.2}, {"token": "negative", "logprob": -0.9 if negative else -2.5}]
    return [
        {"token": head, "logprob": 0.0, "top_logprobs": []},
        {"token": "positive", "logprob": -0.2, "top_logprobs": top},
        {"token": tail, "logprob": 0.0, "top_logprobs": []},
    ]


def write_project(folder: Path, api_base: str) -> Path:
    source = SOURCE.format(api_base=api_base, key_env=KEY_ENV).replace(OPTIMIZER, CHAIN)
    assert CHAIN in source
    (folder / "app.lmp").write_text(source, encoding="utf-8")
    for name, rows in (("train", TRAIN), ("dev", DEV)):
        lines = [json.dumps({"sentence": s, "sentiment": label}) for s, label in rows]
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "app.lmp"


@pytest.fixture
def built(tmp_path, monkeypatch) -> Iterator[tuple[Path, StubServer]]:
    """``lmc build -o tmp/out`` of the project: the package folder, and the model's server (still up)."""
    monkeypatch.setenv(KEY_ENV, "sk-calibrate")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=always_positive, logprobs=margins) as server:
        path = write_project(tmp_path, server.api_base)
        assert main(["build", str(path), "-o", str(tmp_path / "out")]) == 0
        yield tmp_path / "out" / "app", server


def test_a_calibrated_build_bakes_the_bias_and_its_package_replays_the_scored_calls(built):
    package, server = built
    scored = [r.body for r in server.requests if r.body.get("logprobs")]
    assert scored and all(b["top_logprobs"] == 20 for b in scored)
    params = (package / "app" / "params.py").read_text(encoding="utf-8")
    assert 'choice_bias={"sentiment": {"negative": 0.701}}' in params
    lock = json.loads((package.parent.parent / "app.lock").read_text(encoding="utf-8"))
    block = lock["blocks"][0]
    assert [step["optimizer"] for step in block["plan"]["chain"]] == ["LabeledFewShot", "Calibrate"]
    # The model writes `positive` every time; read from its log-probabilities with the bias, all four are right.
    assert (block["row"]["baseline"], block["row"]["optimized"]) == (50.0, 100.0)
    readme = (package / "README.md").read_text(encoding="utf-8")
    assert "| classify on dev (valset, accuracy) | 50 | 100 |" in readme
    assert "- optimizer: classify: LabeledFewShot { k: 2 } -> Calibrate\n" in readme
    report = (package / "report.html").read_text(encoding="utf-8")
    assert "log-probabilities (Calibrate)" in report and "<code>sentiment: negative +0.701</code>" in report
    parity = json.loads((package / "app" / "tests" / "parity.json").read_text(encoding="utf-8"))
    assert any(isinstance(call["response"], dict) for case in parity for call in case["calls"])
    # The package's own parity test replays the scored calls and their decisions, without lmc.
    test = run_package_tests(package, "app")
    assert test.returncode == 0, test.stdout + test.stderr


def test_the_calibrated_package_answers_negative_where_the_model_wrote_positive(built):
    package, _ = built
    sys.path.insert(0, str(package))
    try:
        import app  # the emitted package

        assert app.classify(sentence="A tedious mess.").sentiment.value == "negative"
        assert app.classify(sentence="Warm, funny and wise.").sentiment.value == "positive"
    finally:
        sys.path.remove(str(package))
        for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
            del sys.modules[name]


def test_cold_warm_and_frozen_calibrated_builds_are_identical(tmp_path, monkeypatch):
    """Scored answers (text and tokens) come back from the cache and from the lock unchanged."""
    monkeypatch.setenv(KEY_ENV, "sk-calibrate")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    cold, warm, frozen = (tmp_path / name for name in ("cold", "warm", "frozen"))
    with StubServer(answer=always_positive, logprobs=margins) as server:
        path = write_project(tmp_path, server.api_base)
        assert main(["build", str(path), "-o", str(cold)]) == 0
        calls = server.count
        assert main(["build", str(path), "-o", str(warm)]) == 0
        assert server.count == calls  # every answer, scored ones included, came from the cache
        shutil.rmtree(tmp_path / "cache")
        assert main(["build", str(path), "-o", str(frozen), "--frozen"]) == 0
        assert server.count == calls
    tree = files_of(cold / "app")
    assert "choice_bias" in tree["app/params.py"].decode()
    assert files_of(warm / "app") == tree
    assert files_of(frozen / "app") == tree
