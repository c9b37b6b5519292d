"""The emitted package installs into a clean virtualenv and runs without lmc.

Slow (it pip-installs litellm; the pip cache makes later runs faster), so it
is marked ``integration``. The LM is a loopback OpenAI-compatible stub.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lmc.codegen import render_package, write_package
from lmc.host.lms import lm_config
from lmc.syntax.parse import parse
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"

pytestmark = pytest.mark.integration


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv (no lmc, no system site-packages) with the sentiment package installed."""
    root = tmp_path_factory.mktemp("install")
    text = SAMPLE.read_text(encoding="utf-8")
    source, _ = parse(text, SAMPLE.name)
    assert source is not None
    out = root / "build" / "sentiment"
    write_package(render_package(source, package="sentiment", source_dir=SAMPLE.parent, source_text=text), out)
    env_dir = root / "venv"
    base = getattr(sys, "_base_executable", None) or sys.executable
    made = _run([base, "-m", "venv", str(env_dir)], timeout=300)
    assert made.returncode == 0, made.stderr
    pip = _run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q", str(out)],
        timeout=900,
    )
    if pip.returncode != 0:
        pytest.fail(f"pip install of the emitted package failed:\n{pip.stdout[-3000:]}\n{pip.stderr[-3000:]}")
    return env_dir


def test_lmc_is_not_installed(venv: Path) -> None:
    done = _run([str(venv / "bin" / "python"), "-c", "import lmc"], cwd="/")
    assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr


def test_import_does_not_load_litellm(venv: Path) -> None:
    code = "import sys, sentiment; assert 'litellm' not in sys.modules; print(sentiment.classify)"
    done = _run([str(venv / "bin" / "python"), "-c", code], cwd="/")
    assert done.returncode == 0, done.stderr
    assert "<program classify(sentence) -> ClassifyResult>" in done.stdout


def test_command_line_run_against_a_stub_server(venv: Path) -> None:
    with StubServer(answer=lambda body: chat_answer(sentiment="positive")) as server:
        env = {**os.environ, "OPENAI_API_KEY": "sk-stub-not-a-secret"}
        env.pop("SENTIMENT_LM", None)
        argv = [str(venv / "bin" / "python"), "-m", "sentiment", "classify", "--sentence", "A warm, funny film."]
        done = _run([*argv, "--lm", "openai/stub", "--api-base", server.api_base], cwd="/", env=env, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout) == {"sentiment": "positive"}
        (request,) = server.requests
    assert request.body["model"] == "stub"
    # The options of the sample's `lm default` travel with the package (the model is replaced).
    source, _ = parse(SAMPLE.read_text(encoding="utf-8"), SAMPLE.name)
    _, options = lm_config(source, "default", None)
    assert {k: request.body[k] for k in ("temperature", "max_tokens", "stop")} == {
        k: options[k] for k in ("temperature", "max_tokens", "stop")
    }
    assert "A warm, funny film." in request.body["messages"][-1]["content"]


def test_command_line_errors_exit_non_zero_without_traceback(venv: Path) -> None:
    python = str(venv / "bin" / "python")
    done = _run([python, "-m", "sentiment", "classify"], cwd="/")
    assert done.returncode == 2 and "--sentence" in done.stderr
    env = {**os.environ, "OPENAI_API_KEY": "sk-stub-not-a-secret"}
    unreachable = ["--lm", "openai/stub", "--api-base", "http://127.0.0.1:9/v1"]
    done = _run([python, "-m", "sentiment", "classify", "--sentence", "x", *unreachable], cwd="/", env=env, timeout=300)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "error" in done.stderr
