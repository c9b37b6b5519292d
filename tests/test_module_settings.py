"""Per-module settings end to end: a module on a second declared lm, with its own options and adapter,
in the build and in the emitted package alike; the adapter searched and baked in with parity."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lmc.building.lock import read_lock
from lmc.cli.main import main
from lmc.runtime.lm.cache import Cache
from lmc.runtime.lm.client import LM, sent_response_format
from tests.package_tests import run_package_tests
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer
from tests.stub_project import stub_project
from tests.test_cli import KEY_ENV, ROWS, sentence_of
from tests.test_lock import files_of

STRONG = 'lm strong = "openai/strong" {{ api_base: "{api_base}", api_key_env: "' + KEY_ENV + '", max_tokens: 300 }}\n'


def right_label(body: dict) -> str:
    return dict(ROWS).get(sentence_of(body), "positive")


def chat_only(body: dict) -> str:
    """A model that answers in the chat format, rightly."""
    return chat_answer(sentiment=right_label(body))


def json_only(body: dict) -> str:
    """A model that answers rightly only when asked with a response format; otherwise it rambles."""
    if body.get("response_format"):
        return json.dumps({"sentiment": right_label(body)})
    return "Sure! Here is my answer."


def import_package(out: Path, name: str = "app"):
    sys.path.insert(0, str(out / name))
    try:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def test_a_module_on_a_second_lm_with_its_own_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with StubServer(answer=chat_only) as strong:
        replace = [
            ("enum Sentiment", STRONG.format(api_base=strong.api_base) + "\nenum Sentiment"),
            ("Predict(Classify)", "Predict(Classify, lm: strong, temperature: 0.5, max_tokens: 99)"),
        ]
        with stub_project(tmp_path, monkeypatch, replace=replace) as (default, project):
            out = tmp_path / "out"
            assert main(["build", str(project), "-o", str(out), "--threads", "2"]) == 0
            # Every module call went to the strong lm, with its model, its own options and the module's.
            assert default.count == 0 and strong.count > 0
            bodies = [r.body for r in strong.requests]
            assert {(b["model"], b["temperature"], b["max_tokens"]) for b in bodies} == {("strong", 0.5, 99)}
            assert all(r.headers["Authorization"] == "Bearer sk-stub-project" for r in strong.requests)

            # The lock counts those answers; the parity cases record the LM each request went to.
            lock = read_lock(project.with_suffix(".lock"))
            assert lock.usage.answers >= strong.count
            calls = [call for case in lock.parity for call in case.calls]
            assert calls and all(len(call) == 3 and call[2]["model"] == "openai/strong" for call in calls)
            assert all(call[2]["temperature"] == 0.5 and call[2]["max_tokens"] == 99 for call in calls)
            checked = run_package_tests(out / "app", "app")
            assert checked.returncode == 0, checked.stdout + checked.stderr

            # The package makes the same request for the same input as the build did.
            sentence = ROWS[2][0]
            monkeypatch.delenv("LMC_CACHE_DIR")
            before = strong.count
            app = import_package(out)
            assert app.classify(sentence=sentence).sentiment.value == "positive"
            assert strong.count == before + 1 and default.count == 0
            assert strong.requests[-1].body in bodies  # the request the build scored the final program with


def test_the_adapter_is_searched_baked_in_and_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    replace = [("num_candidate_programs: 2 }", "num_candidate_programs: 2, adapters: [chat, json] }")]
    with stub_project(tmp_path, monkeypatch, replace=replace) as (server, project):
        server.answer = json_only
        out = tmp_path / "out"
        assert main(["build", str(project), "-o", str(out), "--threads", "2"]) == 0
        lock = read_lock(project.with_suffix(".lock"))
        params = lock.blocks[0].steps[0].params["classify.judge"]
        assert params.adapter == "json"
        assert 'adapter="json"' in (out / "app" / "app" / "params.py").read_text(encoding="utf-8")
        asked = [r.body for r in server.requests if "response_format" in r.body]
        assert asked and all(b["response_format"] == {"type": "json_object"} for b in asked)
        checked = run_package_tests(out / "app", "app")
        assert checked.returncode == 0, checked.stdout + checked.stderr

        tree, lock_bytes = files_of(out / "app"), project.with_suffix(".lock").read_bytes()
        requests = server.count
        server.fail(500, times=1000)
        assert main(["build", str(project), "-o", str(out), "--frozen"]) == 0
        assert server.count == requests
        assert files_of(out / "app") == tree and project.with_suffix(".lock").read_bytes() == lock_bytes


def test_without_module_settings_the_package_is_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        out = tmp_path / "out"
        assert main(["build", str(project), "-o", str(out), "--no-optimize"]) == 0
        programs = (out / "app" / "app" / "programs.py").read_text(encoding="utf-8")
        assert "lm=" not in programs and "adapter=" not in programs
        assert all("response_format" not in r.body for r in server.requests)


# ----------------------------------------------------------- response_format


def test_response_format_is_sent_and_keyed(tmp_path: Path):
    structured = {"type": "json_schema", "json_schema": {"name": "DSPyProgramOutputs", "schema": {}, "strict": True}}
    messages = [{"role": "user", "content": "hi"}]
    with StubServer(answer=lambda body: "{}") as server:
        cache = Cache(tmp_path / "cache")
        plain = LM("openai/my-model", api_base=server.api_base, cache=cache)
        asked = plain.replace(response_format=structured)
        assert asked is plain.replace(response_format=structured)  # a module asks for the same LM each run
        asked.complete(messages)
        plain.complete(messages)
        # A self-hosted OpenAI-compatible server (the direct path) is sent JSON mode, without litellm.
        assert server.requests[0].body["response_format"] == {"type": "json_object"}
        assert "response_format" not in server.requests[1].body
        assert Cache.key(asked.request(messages)) != Cache.key(plain.request(messages))
        asked.complete(messages)
        assert server.count == 2  # the second time from the cache, under its own key
    assert plain.variants() == (asked,)


def test_what_each_provider_is_sent(monkeypatch: pytest.MonkeyPatch):
    structured = {"type": "json_schema", "json_schema": {"name": "DSPyProgramOutputs", "schema": {}, "strict": True}}
    assert sent_response_format("local/smollm2", structured) is None  # no litellm import for lmc's own provider
    assert sent_response_format("openai/gpt-4o-mini", structured) == structured
    assert sent_response_format("openai/my-model", structured) == {"type": "json_object"}
    assert sent_response_format("openai/my-model", {"type": "json_object"}) == {"type": "json_object"}
    # The direct path decides without litellm: JSON mode, what litellm's tables say for a name they do not know.
    assert sent_response_format("openai/gpt-4o-mini", structured, direct=True) == {"type": "json_object"}


def test_the_direct_path_decides_the_format_without_importing_litellm(tmp_path: Path):
    """Asking litellm's tables cost ~1.7 s of import at a json module's first request on a loopback server."""
    code = (
        "import sys\n"
        "from lmc.runtime.lm.client import LM\n"
        "lm = LM('openai/m', api_base='http://127.0.0.1:9/v1').replace(response_format={'type': 'json_object'})\n"
        "assert lm.response_format == {'type': 'json_object'}\n"
        "assert 'litellm' not in sys.modules, 'litellm was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
