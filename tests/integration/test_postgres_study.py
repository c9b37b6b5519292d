"""Two ``lmc build`` processes share one MIPROv2 study on a real PostgreSQL server.

``.ci/run`` starts a throwaway server on loopback (``.ci/postgres.sh``) and
exports its URL as ``LMC_TEST_POSTGRES_URL``; without it the test is skipped.
Both builds run ``lmc build --storage URL --study NAME`` at once against the
loopback stub LM (deterministic answers, a fixed delay on the valset rows so
the trials overlap), each with its own API key and no LM cache, so the stub
sees, per worker, every request it really made.

What must hold: the study holds exactly the plan's trials (the starting
program and ``num_trials`` sampled ones), all complete, each slot (the
per-trial marker the plan writes) once under its own trial number; both
workers ran trials; together they scored the valset exactly as often as one
build alone plus the second build's own baseline, final score and parity
runs (so no trial was run twice, even on the same parameters); and both
emitted byte-identical packages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from lmc.optimize import MIPROv2
from tests.runtime.stub_server import Recorded, StubServer
from tests.scripted import chat_answer

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("LMC_TEST_POSTGRES_URL")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not URL, reason="LMC_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL server; see .ci/postgres.sh)"
    ),
]

KEY_ENV = "LMC_PG_TEST_KEY"
OPTIONS = {
    "auto": None,
    "num_candidates": 3,
    "num_trials": 8,
    "minibatch": False,
    "max_bootstrapped_demos": 1,
    "max_labeled_demos": 2,
}
SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "LMC_PG_TEST_KEY", temperature: 0.0 }}

enum Sentiment {{ positive, negative }}

signature Classify {{
  \"\"\"Classify the sentiment of a sentence.\"\"\"
  in  sentence: str
  out sentiment: Sentiment
}}

program classify(sentence: str) -> (sentiment: Sentiment) {{
  module judge = Predict(Classify)
  return judge(sentence=sentence)
}}

metric accuracy = exact_match(sentiment)
dataset train = "train.jsonl" {{ inputs: [sentence] }}
dataset dev = "dev.jsonl" {{ inputs: [sentence] }}

optimize classify {{
  optimizer: MIPROv2 {{ {options} }}
  metric: accuracy
  trainset: train
  valset: dev
  seed: 0
}}
"""
TRAIN = [
    ("A delight from start to finish.", "positive"),
    ("Dull, long and pointless.", "negative"),
    ("The cast is wonderful.", "positive"),
    ("I walked out halfway.", "negative"),
    ("Warm, funny and wise.", "positive"),
    ("A tedious mess.", "negative"),
]
DEV = [
    ("A gem.", "positive"),
    ("Two hours I will never get back.", "negative"),
    ("Sharp and moving.", "positive"),
    ("Flat jokes, flat acting.", "negative"),
    ("I would watch it again tomorrow.", "positive"),
    ("Not worth the ticket.", "negative"),
]
VALSET_DELAY_S = 0.04  # per valset row: long enough for both workers to take part in the search
PROPOSED = "Decide whether the reviewer liked the film."


def answer(body: dict) -> str:
    """The prompt model's fields, or a label: right with demos, "positive" zero-shot (demo sets differ)."""
    system = body["messages"][0]["content"]
    wanted = re.findall(r"^\d+\. `(\w+)`", system.split("Your output fields are:")[1], re.M)
    if wanted != ["sentiment"]:
        return chat_answer(**{name: PROPOSED if name == "proposed_instruction" else "A summary." for name in wanted})
    match = re.search(r"\[\[ ## sentence ## \]\]\n(.*?)\n", body["messages"][-1]["content"])
    sentence = match.group(1) if match else ""
    if sentence in dict(DEV):
        time.sleep(VALSET_DELAY_S)
    demos = (len(body["messages"]) - 2) // 2
    labels = dict(TRAIN + DEV)
    return chat_answer(sentiment=labels.get(sentence, "positive") if demos else "positive")


def write_project(folder: Path, api_base: str) -> Path:
    options = ", ".join(f"{k}: {'none' if v is None else str(v).lower()}" for k, v in OPTIONS.items())
    (folder / "app.lmp").write_text(SOURCE.format(api_base=api_base, options=options), encoding="utf-8")
    for name, rows in (("train", TRAIN), ("dev", DEV)):
        lines = [json.dumps({"sentence": s, "sentiment": label}) for s, label in rows]
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "app.lmp"


def start_build(app: Path, out: Path, key: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, KEY_ENV: key, "LMC_CACHE_DIR": str(out / "cache")}
    argv = [sys.executable, "-m", "lmc", "build", str(app), "-o", str(out), "--threads", "1", "--no-cache", *extra]
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen[str]) -> None:
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output[-4000:]


def valset_requests(requests: list[Recorded]) -> Counter:
    """Requests for valset rows, by the API key (so by the worker) that sent them."""
    dev = {s for s, _ in DEV}
    counts: Counter = Counter()
    for r in requests:
        match = re.search(r"\[\[ ## sentence ## \]\]\n(.*?)\n", r.body["messages"][-1]["content"])
        if match and match.group(1) in dev:
            auth = next(v for k, v in r.headers.items() if k.lower() == "authorization")
            counts[auth.removeprefix("Bearer ")] += 1
    return counts


def package_files(out: Path) -> dict[str, bytes]:
    """The emitted package: the folder ``pip install`` takes (the build's records beside it left out)."""
    root = out / "app"
    records = {"build.json", "report.html"}
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in records and "__pycache__" not in p.parts
    }


def test_two_builds_share_one_study_on_postgresql(tmp_path: Path):
    import optuna
    from optuna.trial import TrialState

    study_name = f"lmc-test-{uuid.uuid4().hex[:12]}"
    options = MIPROv2(**OPTIONS)
    roles = options.plan(options.sizes(1, len(DEV)))
    assert roles == ("default",) + ("sampled",) * OPTIONS["num_trials"]

    with StubServer(answer=answer) as server:
        app = write_project(tmp_path, server.api_base)
        try:
            workers = [
                start_build(app, tmp_path / f"w{i}", f"sk-worker-{i}", "--storage", URL, "--study", study_name)
                for i in range(2)
            ]
            for proc in workers:
                finish(proc)
            study = optuna.load_study(study_name=study_name, storage=URL)
            trials = study.get_trials(deepcopy=False)
        finally:
            for proc in workers:
                if proc.poll() is None:
                    proc.kill()
            if study_name in optuna.get_all_study_names(URL):
                optuna.delete_study(study_name=study_name, storage=URL)
        shared = valset_requests(server.requests)

        # The same build alone, on its private storage: what one build asks of the valset.
        finish(start_build(app, tmp_path / "solo", "sk-solo"))
        solo = valset_requests(server.requests)["sk-solo"]

    # Exactly the plan's trials, all complete, each slot once under its own number.
    assert [t.state for t in trials] == [TrialState.COMPLETE] * len(roles)
    assert sorted(t.number for t in trials) == list(range(len(roles)))
    assert sorted(t.user_attrs["slot"] for t in trials) == list(range(len(roles)))
    assert [t.user_attrs["role"] for t in sorted(trials, key=lambda t: t.user_attrs["slot"])] == list(roles)

    # Every slot scores the whole valset once, but trial 0, the starting program, which takes the build's
    # baseline score (the same scoring); the rest of a build (baseline, final score, parity runs) is the
    # same in every build. So the workers' trials add up to the plan, and each worker ran some.
    rows = len(DEV)
    own = solo - (len(roles) - 1) * rows
    assert sum(shared.values()) == solo + own, (shared, solo)
    ran = {worker: (count - own) / rows for worker, count in shared.items()}
    assert sorted(ran) == ["sk-worker-0", "sk-worker-1"]
    assert all(n == int(n) and n >= 1 for n in ran.values()), ran

    # Both read the same trials back and emitted the same package, byte for byte.
    first, second = (package_files(tmp_path / f"w{i}") for i in range(2))
    assert first and first == second
