"""``lmc.build`` through the public names only, against a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lmc
from tests.runtime.stub_server import StubServer
from tests.scripted import chat_answer

KEY_ENV = "LMC_TEST_API_BUILD_KEY"
SOURCE = """\
lm default = "openai/stub" {{ api_base: "{api_base}", api_key_env: "{key_env}", num_retries: 0 }}

enum Intent {{ refund, shipping }}

signature Route {{
  \"\"\"Name the customer's intent.\"\"\"
  in  message: str
  out intent: Intent
}}

program route(message: str) -> (intent: Intent) {{
  module pick = Predict(Route)
  return pick(message=message)
}}

metric right = exact_match(intent)
dataset train = "train.jsonl" {{ inputs: [message] }}
dataset dev = "dev.jsonl" {{ inputs: [message] }}

optimize route {{
  optimizer: LabeledFewShot {{ k: 2 }}
  metric: right
  trainset: train
  valset: dev
}}
"""

TRAIN = [
    {"message": "Where is my parcel?", "intent": "shipping"},
    {"message": "I want my money back.", "intent": "refund"},
]
DEV = [
    {"message": "The box never came.", "intent": "shipping"},
    {"message": "Refund please.", "intent": "refund"},
]


def answer(body: dict) -> str:
    """Right when shown demos, always `shipping` without."""
    text = body["messages"][-1]["content"]
    if len(body["messages"]) < 3:
        return chat_answer(intent="shipping")
    return chat_answer(intent="refund" if "efund" in text or "money" in text else "shipping")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(KEY_ENV, "sk-api")
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with StubServer(answer=answer) as stub:
        yield stub


def source_for(server: StubServer) -> str:
    return SOURCE.format(api_base=server.api_base, key_env=KEY_ENV)


def test_a_build_returns_scores_params_files_and_lock_and_writes_only_where_asked(server, tmp_path, capsys):
    events = []
    out, lock = tmp_path / "out", tmp_path / "locks" / "route.lock"
    built = lmc.build(
        source_for(server), datasets={"train": TRAIN, "dev": DEV}, out=out, lock=lock, progress=events.append
    )
    assert [(s.label, s.baseline, s.optimized) for s in built.scores] == [("route on dev (valset, right)", 50.0, 100.0)]
    demos = built.params["route.pick"]["demos"]
    assert sorted(d["message"] for d in demos) == ["I want my money back.", "Where is my parcel?"]
    assert built.name == "program" and built.out == out / "program"
    written = {str(p.relative_to(built.out)): p.read_bytes() for p in built.out.rglob("*") if p.is_file()}
    assert {k: v for k, v in written.items() if k in built.files} == dict(built.files)
    assert lock.read_text() == built.lock and json.loads(built.lock)["result"]["params"]["route.pick"]["demos"]
    assert built.usage.answers == built.spent.answers == server.count  # no cache: every answer asked for
    assert {e.kind for e in events} >= {"start", "advance", "end"}
    assert capsys.readouterr() == ("", ""), "the API printed"
    assert not (tmp_path / "home").exists() and not (tmp_path / "xdg").exists(), "a cache was written"


def test_frozen_renders_the_same_files_from_the_lock_without_an_lm(server, tmp_path):
    lock = tmp_path / "route.lock"
    first = lmc.build(source_for(server), datasets={"train": TRAIN, "dev": DEV}, lock=lock)
    asked = server.count
    again = lmc.build(source_for(server), datasets={"train": TRAIN, "dev": DEV}, lock=lock, frozen=True)
    assert server.count == asked and again.from_lock
    assert dict(again.files) == dict(first.files) and again.lock == first.lock
    changed = [{**TRAIN[0], "intent": "refund"}, TRAIN[1]]
    with pytest.raises(lmc.BuildError) as info:
        lmc.build(source_for(server), datasets={"train": changed, "dev": DEV}, lock=lock, frozen=True)
    assert "dataset train (train.jsonl) changed since the lock was written" in info.value.details


def test_a_cache_dir_keeps_answers_for_the_next_build(server, tmp_path):
    cache = tmp_path / "cache"
    lmc.build(source_for(server), datasets={"train": TRAIN, "dev": DEV}, cache_dir=cache)
    asked = server.count
    again = lmc.build(source_for(server), datasets={"train": TRAIN, "dev": DEV}, cache_dir=cache)
    assert server.count == asked and again.spent.answers > 0 and any(cache.iterdir())


def test_an_unreachable_lm_is_a_build_error(tmp_path):
    source = SOURCE.format(api_base="http://127.0.0.1:9/v1", key_env=KEY_ENV)
    with pytest.raises(lmc.BuildError, match="openai/stub"):
        lmc.build(source, datasets={"train": TRAIN, "dev": DEV})


def test_a_program_with_errors_is_a_compile_error(server):
    with pytest.raises(lmc.CompileError) as info:
        lmc.build(
            source_for(server).replace("trainset: train", "trainset: trian"), datasets={"train": TRAIN, "dev": DEV}
        )
    assert [d.code for d in info.value.diagnostics] == ["E102"]


def test_a_project_from_a_lock_runs_what_the_build_learned(server, tmp_path):
    lock = tmp_path / "route.lock"
    source = source_for(server)
    rows = {"train": TRAIN, "dev": DEV}
    lmc.build(source, datasets=rows, lock=lock)
    with lmc.compile(source, datasets=rows, lock=lock) as learned, lmc.compile(source, datasets=rows) as plain:
        assert learned.learned and not plain.learned
        assert len(learned.params["route.pick"]["demos"]) == 2 and dict(plain.params) == {}
        assert learned.modules == ("route.pick",)
        shown = learned.prompt("route.pick", message="Where is it?")
        assert len(shown) == 6 and shown[-1]["content"].startswith("[[ ## message ## ]]\nWhere is it?")
        assert len(plain.prompt("route.pick", message="Where is it?")) == 2  # system + user: no demos
        with pytest.raises(KeyError, match="no module `route.nope`"):
            learned.prompt("route.nope")
        scored, unscored = learned.evaluate("route", "dev"), plain.evaluate("route", "dev")
    assert (scored.score, unscored.score) == (100.0, 50.0) and scored.metric == "right"
    assert [r.outputs["intent"].value for r in scored.rows] == ["shipping", "refund"] and scored.failed == 0
    with pytest.raises(lmc.BuildError, match="written for another version of the source"):
        lmc.compile(source.replace("Name the customer's intent.", "Name the intent."), datasets=rows, lock=lock)


def test_an_lm_object_is_refused_by_build_with_what_to_do_instead(tmp_path):
    """``lm=`` of a build is a model id; an LM object (which ``lmc.compile`` takes) is a TypeError, not a crash."""

    class Mine:
        def complete(self, messages):
            return chat_answer(sentiment="positive")

        async def acomplete(self, messages):
            return self.complete(messages)

    source = SOURCE.format(api_base="http://127.0.0.1:9/v1", key_env=KEY_ENV)
    with pytest.raises(TypeError, match=r"takes a model id .* not Mine; .*lmc\.compile\(source, lm=obj\)"):
        lmc.build(source, datasets={"train": TRAIN, "dev": DEV}, lm=Mine())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
