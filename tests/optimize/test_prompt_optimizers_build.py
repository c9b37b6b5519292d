"""COPRO and MIPROv2 through ``lmc build``, over HTTP to the loopback stub (see ``tests/test_cli.py``)."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import optuna
import pytest

from lmc.cli.main import main
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer
from tests.test_cli import KEY_ENV, ROWS, SOURCE, knows_the_labels, sentence_of

PROPOSED = "Read the sentence and answer with its sentiment."
OPTIMIZER = (
    "BootstrapFewShotWithRandomSearch { max_bootstrapped_demos: 2, max_labeled_demos: 2, num_candidate_programs: 2 }"
)


PROMPT_MODEL = {"proposes": PROPOSED}


def label_of(body: dict) -> str:
    return dict(ROWS).get(sentence_of(body), "positive")


def answer(body: dict) -> str:
    """The prompt model proposes one instruction and describes what it is asked to; the task as in test_cli."""
    system = body["messages"][0]["content"]
    wanted = re.findall(r"^\d+\. `(\w+)`", system.split("Your output fields are:")[1], re.M)
    if wanted != ["sentiment"]:
        proposed = PROMPT_MODEL["proposes"]
        return chat_answer(**{name: proposed if name == "proposed_instruction" else "A summary." for name in wanted})
    return knows_the_labels(body)


@pytest.fixture
def project(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-prompt-optimizers")
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
    with StubServer(answer=answer) as server:

        def write(optimizer: str) -> Path:
            source = SOURCE.format(api_base=server.api_base, key_env=KEY_ENV).replace(OPTIMIZER, optimizer)
            (tmp_path / "app.lmp").write_text(source, encoding="utf-8")
            return tmp_path / "app.lmp"

        for name, rows in (("train", ROWS[:4]), ("dev", ROWS[2:])):
            lines = [json.dumps({"sentence": s, "sentiment": label}) for s, label in rows]
            (tmp_path / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield server, write


def build(project: Path, out: Path, *extra: str) -> int:
    return main(["build", str(project), "-o", str(out), "--threads", "1", *extra])


def completed_trials(storage: str) -> list[int]:
    (summary,) = optuna.get_all_study_summaries(storage)
    study = optuna.load_study(study_name=summary.study_name, storage=storage)
    return sorted(t.user_attrs["slot"] for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)))


def test_a_copro_build_without_a_valset_takes_its_own_scores(project, tmp_path: Path, caplog, monkeypatch):
    """COPRO scores on the trainset, which a block without a valset is scored on too: its evaluations are
    the build's scorings, so neither the starting instruction nor the winner runs on those rows again."""
    _, write = project
    # A model that answers in the format zero-shot: the baseline has no failed row, so it is a known score.
    monkeypatch.setattr(sys.modules[__name__], "knows_the_labels", lambda body: chat_answer(sentiment=label_of(body)))
    app = write("COPRO { breadth: 2, depth: 1 }")
    app.write_text(app.read_text(encoding="utf-8").replace("  valset: dev\n", ""), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="lmc"):
        assert build(app, tmp_path / "out") == 0
    assert "candidate 2: scored already, on the same rows" in caplog.text  # the starting instruction
    assert re.search(r"optimized classify on train: [\d.]+%, as the search measured it", caplog.text)
    lock = json.loads((tmp_path / "app.lock").read_text(encoding="utf-8"))
    (row,) = [r for r in lock["scores"] if "trainset: no valset given" in r["label"]]
    assert row["optimized"] >= row["baseline"]


MIPRO = "MIPROv2 { auto: none, num_candidates: 3, num_trials: 4, minibatch: false, max_bootstrapped_demos: 1, max_labeled_demos: 2 }"


def test_a_mipro_build_keeps_its_trials_in_the_state_folder_and_reuses_them(project, tmp_path: Path):
    server, write = project
    app = write(MIPRO)
    assert build(app, tmp_path / "out") == 0
    storage = f"sqlite:///{tmp_path / 'out' / '.app-state' / 'optuna.sqlite3'}"
    assert completed_trials(storage) == [0, 1, 2, 3, 4]
    asked = len(server.requests)

    assert build(app, tmp_path / "out") == 0
    assert completed_trials(storage) == [0, 1, 2, 3, 4]  # the same study, no trial run again
    assert len(server.requests) == asked  # and everything else came from the LM cache
    built = (tmp_path / "out" / "app" / "app" / "params.py").read_text()
    assert "Classify the sentiment of a sentence." in built or PROPOSED in built


def test_builds_share_a_named_storage_and_study(project, tmp_path: Path):
    _, write = project
    app = write(MIPRO)
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    assert build(app, tmp_path / "a", "--storage", storage, "--study", "sentiment") == 0
    assert build(app, tmp_path / "b", "--storage", storage, "--study", "sentiment") == 0
    assert completed_trials(storage) == [0, 1, 2, 3, 4]
    assert (tmp_path / "a" / "app" / "app" / "params.py").read_bytes() == (
        tmp_path / "b" / "app" / "app" / "params.py"
    ).read_bytes()


def test_a_build_with_other_candidates_cannot_join_a_shared_study(project, tmp_path: Path, monkeypatch, capsys):
    _, write = project
    app = write(MIPRO)
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    assert build(app, tmp_path / "a", "--storage", storage, "--study", "sentiment") == 0
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "another-cache"))  # and a prompt model that changed its mind
    monkeypatch.setitem(PROMPT_MODEL, "proposes", "Something else entirely.")
    capsys.readouterr()
    assert build(app, tmp_path / "b", "--storage", storage, "--study", "sentiment") == 3
    err = capsys.readouterr().err
    assert "the study `sentiment`" in err and "made with other candidates" in err and "Traceback" not in err


def test_a_copro_build_proposes_and_scores_instructions(project, tmp_path: Path):
    server, write = project
    app = write("COPRO { breadth: 2, depth: 1 }")
    assert build(app, tmp_path / "out") == 0
    proposals = [r for r in server.requests if "instruction optimizer" in r.body["messages"][0]["content"]]
    assert len(proposals) == 1
    assert 1.41 <= proposals[0].body["temperature"] <= 1.45
