"""BootstrapFinetune's ``max_wait_s``: a job that runs too long stops the build, and the next build waits for it again."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lmc.optimize import create_optimizer, finetune
from lmc.optimize.finetune import BootstrapFinetune, FinetuneError
from tests.optimize.test_finetune import SPEC, OpenAIStub, task, teacher
from tests.optimize.test_new_optimizers_build import _build
from tests.scripted import ScriptedLM

TUNED = "openai/ft:gpt-4o-mini:lmc::abc"


class FailingStub(OpenAIStub):
    """Says why a failed job failed, as OpenAI does."""

    def job(self, status: str, training_file: str) -> dict:
        reason = {"code": "invalid_file", "message": "too few examples", "param": None}
        return {**super().job(status, training_file), "error": reason if status == "failed" else None}


@pytest.fixture
def stub(monkeypatch):
    server = FailingStub()
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(finetune, "POLL_S", 0.0)
    yield server
    server.close()


def compile_once(tmp_path: Path, **options):
    lm = ScriptedLM(teacher, model="openai/gpt-4o-mini")
    return BootstrapFinetune(**options).compile(task(tmp_path, lm))


def started(stub: OpenAIStub) -> int:
    return sum(1 for method, path, _ in stub.requests if method == "POST" and path.endswith("/fine_tuning/jobs"))


def running(tmp_path: Path) -> dict:
    path = tmp_path / ".pkg-state" / "finetune" / "running.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_job_past_max_wait_s_stops_naming_it_and_the_next_build_waits_for_it(tmp_path, stub):
    with pytest.raises(FinetuneError) as info:
        compile_once(tmp_path, max_wait_s=0)  # start the job, do not wait
    message = str(info.value)
    assert "job ftjob-1 is still queued after waiting 0 s (max_wait_s)" in message
    assert "Build again to wait for it again" in message and "/fine_tuning/jobs/ftjob-1/cancel" in message
    assert list(running(tmp_path).values()) == ["ftjob-1"] and started(stub) == 1

    result = compile_once(tmp_path)  # the same data: the same job, no new one
    assert result.params[SPEC.path].model == TUNED
    assert started(stub) == 1 and running(tmp_path) == {}
    assert compile_once(tmp_path).params == result.params  # now remembered as finished


def test_the_wait_ends_at_the_deadline_while_polling(tmp_path, stub, monkeypatch):
    stub.final_status = "running"  # never ends
    monkeypatch.setattr(finetune, "POLL_S", 0.05)
    began = time.monotonic()
    with pytest.raises(FinetuneError, match=r"ftjob-1 is still running after waiting 0\.3 s"):
        compile_once(tmp_path, max_wait_s=0.3)
    assert stub.looks >= 1  # it polled while it waited (the first look says running)
    assert time.monotonic() - began < 10


@pytest.mark.parametrize("status", ["cancelled", "failed"])
def test_a_job_that_ends_badly_is_an_error_and_forgotten(tmp_path, stub, status):
    stub.final_status = status
    with pytest.raises(FinetuneError) as info:
        compile_once(tmp_path)
    message = str(info.value)
    assert f"job ftjob-1 ended {status}; the training data is in" in message
    assert "building again starts a new job" in message
    assert ("the provider says: too few examples" in message) == (status == "failed")
    assert running(tmp_path) == {}
    with pytest.raises(FinetuneError):
        compile_once(tmp_path)
    assert started(stub) == 2


def test_the_option_is_checked():
    assert create_optimizer("BootstrapFinetune", {"max_wait_s": 60}).max_wait_s == 60.0
    with pytest.raises(ValueError, match="option `max_wait_s`: must be at least 0, got -1"):
        create_optimizer("BootstrapFinetune", {"max_wait_s": -1})


def test_lmc_build_stops_with_exit_3_and_the_job_id(tmp_path, monkeypatch, stub, capsys):
    # The stub project's LM has an api_base; let it count as one that can be fine-tuned.
    monkeypatch.setattr(finetune, "finetunable", lambda model, api_base: True)
    code, out = _build(tmp_path, monkeypatch, "[LabeledFewShot { k: 2 }, BootstrapFinetune { max_wait_s: 0 }]")
    assert code == 3
    err = capsys.readouterr().err
    assert "lmc: error: BootstrapFinetune: fine-tuning job ftjob-1 is still queued" in err
    assert not list(tmp_path.glob("*.lock"))
