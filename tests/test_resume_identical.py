"""A MIPROv2 build that reuses its saved trials writes the same files as one that ran them all.

The trials live in ``DIR/.<name>-state/optuna.sqlite3``: a second build into
the same folder, or one resumed after an interruption, runs fewer trials (or
none), but the lock, ``report.html``, ``build.json`` and the README count
the LM answers of the result, so the whole ``DIR/<name>/`` tree is the same
bytes as a fresh build's and a ``--frozen`` one's.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lmc.cli.main import main
from lmc.optimize.mipro import run as mipro_run
from lmc.optimize.mipro import study as mipro_study
from lmc.runtime.errors import LMError
from tests.optimize.test_prompt_optimizers_build import MIPRO, build, completed_trials, project  # noqa: F401 - a fixture
from tests.test_lock import files_of


class LosesConnection:
    """An LM that answers once, then fails as a dropped connection would (after lmc's retries)."""

    def __init__(self, lm) -> None:
        self.lm = lm
        self.answered = 0

    def complete(self, messages, *args, **kwargs):
        if self.answered:
            raise LMError("openai/stub", "the connection was lost")
        self.answered += 1
        return self.lm.complete(messages, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.lm, name)


def storage_of(out: Path) -> str:
    return f"sqlite:///{out / '.app-state' / 'optuna.sqlite3'}"


def test_a_rebuild_into_the_same_folder_reuses_its_trials_and_writes_the_same_tree(
    project,  # noqa: F811 - the imported fixture
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    server, write = project
    app = write(MIPRO)
    out = tmp_path / "out"
    assert build(app, out) == 0
    first = files_of(out / "app")
    lock = json.loads(app.with_suffix(".lock").read_text())
    (step,) = lock["blocks"][0]["steps"]
    assert step["usage"]["answers"] > 0
    asked = server.count

    assert build(app, out) == 0  # every trial reused from the study, the rest from the LM cache
    assert server.count == asked
    assert completed_trials(storage_of(out)) == [0, 1, 2, 3, 4]
    assert files_of(out / "app") == first

    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "fresh-cache"))  # a fresh build: new cache, new study
    assert build(app, tmp_path / "fresh") == 0
    assert server.count > asked
    assert files_of(tmp_path / "fresh" / "app") == first

    assert build(app, out, "--frozen") == 0
    assert files_of(out / "app") == first


def test_a_build_resumed_after_an_interruption_writes_what_an_uninterrupted_one_does(
    project,  # noqa: F811 - the imported fixture
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    _, write = project
    app = write(MIPRO)
    assert build(app, tmp_path / "whole") == 0
    whole = files_of(tmp_path / "whole" / "app")

    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "other-cache"))  # nothing from the first build's answers
    evaluate = mipro_run.evaluate
    trials: list[int] = []

    def lost_in_trial_3(*args, lm, **kwargs):
        """Trial 3 (the search's fourth evaluation) loses the LM after its first answer."""
        trials.append(len(trials))
        if len(trials) == 4:
            lm = LosesConnection(lm)
        return evaluate(*args, lm=lm, **kwargs)

    monkeypatch.setattr(mipro_run, "evaluate", lost_in_trial_3)
    out = tmp_path / "out"
    assert build(app, out) == 3
    assert completed_trials(storage_of(out)) == [0, 1, 2]
    monkeypatch.setattr(mipro_run, "evaluate", evaluate)

    assert build(app, out) == 0  # runs trials 3 and 4 only
    assert completed_trials(storage_of(out)) == [0, 1, 2, 3, 4]
    assert files_of(out / "app") == whole


# ------------------------------------------------- auto light on the oracle, with threads and kill -9

ROOT = Path(__file__).resolve().parents[1]
ORACLE = ROOT / "bench" / "optimizers" / "oracle_server.py"
ORACLE_KEY = "LMC_ORACLE_KEY"
THREADS = "4"

# auto light: 6 demo sets, 3 instructions, 10 minibatch trials; the valset (56 rows > 50) is scored on minibatches
# with a full evaluation every 3 trials. The trials run on `task`, which the baseline does not use, so trial 0 makes
# its own LM calls, beside the demo sets' bootstraps (on `task` too).
ORACLE_SOURCE = """\
lm default = "openai/oracle" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0, max_tokens: 128 }}
lm task = "openai/oracle" {{ api_base: "{api_base}", api_key_env: "{key_env}", temperature: 0.0, max_tokens: 127 }}

signature Arithmetic {{
  \"\"\"Answer the arithmetic question with the number alone.\"\"\"
  in  question: str
  out answer: str   "a whole number, digits only"
}}

program solve(question: str) -> (answer: str) {{
  module think = ChainOfThought(Arithmetic)
  return think(question=question)
}}

metric em = exact_match(answer)
dataset train = "train.jsonl" {{ inputs: [question] }}
dataset dev = "dev.jsonl" {{ inputs: [question] }}

optimize solve {{
  optimizer: MIPROv2 {{ auto: "light", task_model: task, minibatch_size: 10, minibatch_full_eval_steps: 3 }}
  metric: em
  trainset: train
  valset: dev
  seed: 0
}}
"""


def arithmetic_rows(count: int, rng: random.Random, seen: set[str]) -> list[dict[str, str]]:
    rows = []
    while len(rows) < count:
        a, b, op = rng.randint(2, 99), rng.randint(2, 99), rng.choice("+-*")
        question = f"What is {a} {op} {b}?"
        if question not in seen:
            seen.add(question)
            rows.append({"question": question, "answer": str(eval(f"{a} {op} {b}"))})  # noqa: S307 - our digits
    return rows


@pytest.fixture
def oracle_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The arithmetic task of ``bench/optimizers`` (16 train, 56 dev rows) on ``oracle_server.py``: ``app.lmp``."""
    monkeypatch.setenv(ORACLE_KEY, "sk-oracle")
    rng, seen = random.Random(0), set[str]()
    gold = []
    for name, count in (("train", 16), ("dev", 56)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in arithmetic_rows(count, rng, seen)), encoding="utf-8")
        gold += ["--gold", f"{path}:question:answer"]
    argv = [sys.executable, str(ORACLE), "--latency-ms", "20", *gold]
    server = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        ready = server.stdout.readline()
        assert ready.startswith("READY "), ready
        source = ORACLE_SOURCE.format(api_base=ready.split()[1], key_env=ORACLE_KEY)
        (tmp_path / "app.lmp").write_text(source, encoding="utf-8")
        yield tmp_path / "app.lmp"
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)


def oracle_build(app: Path, out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.setenv("LMC_CACHE_DIR", str(cache))
    return main(["build", str(app), "-o", str(out), "--threads", THREADS, *extra])


def test_auto_light_with_threads_writes_the_same_bytes_cold_rebuilt_and_frozen(
    oracle_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    app, lock = oracle_project, oracle_project.with_suffix(".lock")
    out = tmp_path / "out"
    assert oracle_build(app, out, tmp_path / "cache", monkeypatch) == 0
    cold, cold_lock = files_of(out / "app"), lock.read_bytes()
    trials = json.loads(cold_lock)["blocks"][0]["steps"][0]["candidates"]
    roles = [label.split("(")[1].split(")")[0] for label, _ in trials]
    assert roles.count("minibatch") == 10 and roles.count("full evaluation") == 4

    assert oracle_build(app, out, tmp_path / "cache", monkeypatch) == 0  # every trial from the study
    assert lock.read_bytes() == cold_lock
    assert files_of(out / "app") == cold

    assert oracle_build(app, out, tmp_path / "cache", monkeypatch, "--frozen") == 0
    assert lock.read_bytes() == cold_lock
    assert files_of(out / "app") == cold


def test_a_build_killed_mid_study_and_resumed_writes_the_same_bytes_as_a_cold_one(
    oracle_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    app, lock = oracle_project, oracle_project.with_suffix(".lock")
    assert oracle_build(app, tmp_path / "cold", tmp_path / "cold-cache", monkeypatch) == 0
    cold, cold_lock = files_of(tmp_path / "cold" / "app"), lock.read_bytes()
    lock.unlink()

    out, cache = tmp_path / "out", tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LMC_CACHE_DIR": str(cache)}
    argv = [sys.executable, "-m", "lmc", "build", str(app), "-o", str(out), "--threads", THREADS]
    build = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        states = wait_for_trials(out / ".app-state" / "optuna.sqlite3", build, complete=3)
    finally:
        build.kill()  # SIGKILL: nothing tidied up
        build.wait()
    assert states["RUNNING"] == 1, states  # killed while a trial ran: its heartbeat goes stale after a while

    # The killed trial is run again once its heartbeat is GRACE_SECONDS old: made shorter here.
    monkeypatch.setattr(mipro_study, "GRACE_SECONDS", 6)
    assert oracle_build(app, out, cache, monkeypatch) == 0
    assert lock.read_bytes() == cold_lock
    assert files_of(out / "app") == cold


def wait_for_trials(db: Path, build: subprocess.Popen, complete: int) -> dict[str, int]:
    """The study's trial states once ``complete`` trials are complete and one more is running."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and build.poll() is None:
        states = trial_states(db)
        if states["COMPLETE"] >= complete and states["RUNNING"]:
            return states
        time.sleep(0.005)
    raise AssertionError(
        f"the build ended (exit {build.returncode}) or stalled before {complete} trials: {trial_states(db)}"
    )


def trial_states(db: Path) -> dict[str, int]:
    states = {"COMPLETE": 0, "RUNNING": 0}
    if not db.exists():
        return states
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=0.05)) as conn:
            states.update(conn.execute("SELECT state, COUNT(*) FROM trials GROUP BY state").fetchall())
    except sqlite3.Error:  # tables not written yet, or locked for a moment
        pass
    return states
