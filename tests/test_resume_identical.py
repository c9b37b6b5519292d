"""A MIPROv2 build that reuses its saved trials writes the same files as one that ran them all.

The trials live in ``DIR/.<name>-state/optuna.sqlite3``: a second build into
the same folder, or one resumed after an interruption, runs fewer trials (or
none), but the lock, ``report.html``, ``build.json`` and the README count
the LM answers of the result, so the whole ``DIR/<name>/`` tree is the same
bytes as a fresh build's and a ``--frozen`` one's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmc.optimize.mipro import run as mipro_run
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
